// vaultkey (main entry): the asynchronous, worker-backed API. Secrets live in
// the workers; the page gets results and handles.
export { WorkerPool } from './worker/pool.js';
export type { PoolOptions } from './worker/pool.js';
export { deriveAddressesParallel } from './hd/parallel.js';
export { VaultkeyError } from './errors.js';
export type { VaultkeyErrorCode } from './errors.js';
export { Keystore } from './vault/keystore.js';
export type {
  KeystoreOptions, KeystoreEventDetail, UnlockProof, CreateOptions, AccountSpec, AddressOptions, AddressResult, ChainName, SignOptions,
  SignResult, VaultState, VaultStatus, KdfChoice, KeyInfo, MethodInfo, KeyCurve, PasskeyOptions,
  SecurityOptions, LifecycleOptions, UnlockOptions, ChangeOptions, FreshProof,
  BackupSecret, RestoreOptions, BackupSummary, BackupKdfParams, Slip39SplitOptions, HardwareKeyDescriptor, HardwareKey,
} from './vault/keystore.js';
export * from './security/index.js';
export * from './multisig/index.js';
export {
  LifecycleManager, LifecycleEvent, LifecycleScheduler, SchedulerErrorEvent, CompromiseDetector, DetectorEvent, IdbLifecycleStore, MemoryLifecycleStore,
  PolicyRegistry, DEFAULT_POLICY, HIGH_SECURITY_POLICY, validatePolicy, KEY_STATES, TRANSITIONS, transition, canTransition,
} from './lifecycle/index.js';
export type {
  LifecycleRecord, LifecycleStore, LifecyclePolicy, KeyState, LifecycleHooks, LifecycleEventDetail, LifecycleReport,
  CompromiseEvent, DetectorConfig, Severity, Indicator, LifecycleCreateOptions, LifecycleChangeOptions,
} from './lifecycle/index.js';
