// Shared by both sides of the worker boundary: comlink's default error
// handler turns every thrown value into a plain Error and drops `code`. This
// one carries VaultkeyError's code across (message and code only: no stack,
// no cause, so nothing from inside the worker leaks out by accident).
import { transferHandlers } from 'comlink';
import { VaultkeyError, toErrorCode } from '../errors.js';

type Serialized = { isError: true; value: { name: string; message: string; code?: string } } | { isError: false; value: unknown };

const base = transferHandlers.get('throw')!;

transferHandlers.set('throw', {
  canHandle: base.canHandle,
  serialize(wrapper: any) {
    const err = wrapper.value;
    if (err instanceof VaultkeyError) {
      return [{ isError: true, value: { name: err.name, message: err.message, code: err.code } }, []];
    }
    if (err instanceof Error) {
      return [{ isError: true, value: { name: 'Error', message: err.message } }, []];
    }
    return base.serialize(wrapper);
  },
  deserialize(serialized: Serialized) {
    if (serialized.isError && serialized.value.code !== undefined) {
      throw new VaultkeyError(toErrorCode(serialized.value.code, 'WORKER_FAILED'), serialized.value.message);
    }
    if (serialized.isError) throw new VaultkeyError('WORKER_FAILED', serialized.value.message);
    return base.deserialize(serialized);
  },
});

export const installed = true;
