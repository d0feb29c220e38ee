// Inputs of the consumer app (app.js), shared with test/consumers.browser.test.ts,
// which checks the signed results against them.
export const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

export const TYPED = {
  domain: { name: 'Consumer', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  types: {
    Order: [
      { name: 'maker', type: 'address' },
      { name: 'amount', type: 'uint256' },
    ],
  },
  primaryType: 'Order',
  message: { maker: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB', amount: 42n },
};

/** viem transactions: EIP-1559 and legacy with EIP-155. */
export const VIEM_TXS = {
  eip1559: {
    type: 'eip1559',
    chainId: 1,
    nonce: 0,
    to: TO,
    value: 10n ** 15n,
    gas: 21000n,
    maxFeePerGas: 3n * 10n ** 9n,
    maxPriorityFeePerGas: 10n ** 9n,
  },
  legacy: { type: 'legacy', chainId: 1, nonce: 1, to: TO, value: 1n, gas: 21000n, gasPrice: 10n ** 9n },
};

/** An ethers type-2 transaction request. */
export const ETHERS_TX = {
  type: 2,
  chainId: 10,
  nonce: 5,
  to: TO,
  value: 7n,
  gasLimit: 21000n,
  maxFeePerGas: 2n * 10n ** 9n,
  maxPriorityFeePerGas: 1n,
};

export const MESSAGE = (bundler) => `hello from ${bundler}`;
