// vaultkey (main entry): the asynchronous, worker-backed API. Secrets live in
// the workers; the page gets results and handles.
import { usePartLoader } from './core/parts-page.js';

// What the page itself runs of the lazy parts (src/core/parts.ts: Ed25519 for an
// audit export's or a multisig envelope's signatures) loads from their chunks.
usePartLoader();

export { WorkerPool } from './worker/pool.js';
export type { PoolOptions } from './worker/pool.js';
export { deriveAddressesParallel } from './hd/parallel.js';
export { VaultkeyError } from './errors.js';
export type { VaultkeyErrorCode } from './errors.js';
export { Keystore } from './vault/keystore.js';
export type {
  KeystoreOptions,
  KeystoreEventDetail,
  UnlockProof,
  CreateOptions,
  AccountSpec,
  AddressOptions,
  AddressResult,
  ChainName,
  SignOptions,
  SignResult,
  VaultState,
  VaultStatus,
  KdfChoice,
  KeyInfo,
  MethodInfo,
  KeyCurve,
  PasskeyOptions,
  SecurityOptions,
  LifecycleOptions,
  UnlockOptions,
  ChangeOptions,
  RetireOptions,
  RotateOptions,
  FreshProof,
  BackupSecret,
  RestoreOptions,
  BackupSummary,
  BackupKdfParams,
  Slip39SplitOptions,
  HardwareKeyDescriptor,
  HardwareKey,
  VaultMultisig,
  AuditStats,
} from './vault/keystore.js';
export * from './security/index.js';
export * from './multisig/index.js';
export {
  LifecycleManager,
  LifecycleEvent,
  LifecycleScheduler,
  SchedulerErrorEvent,
  CompromiseDetector,
  DetectorEvent,
  IdbLifecycleStore,
  MemoryLifecycleStore,
  PolicyRegistry,
  DEFAULT_POLICY,
  HIGH_SECURITY_POLICY,
  validatePolicy,
  KEY_STATES,
  TRANSITIONS,
  transition,
  canTransition,
} from './lifecycle/index.js';
export type {
  LifecycleRecord,
  LifecycleStore,
  LifecyclePolicy,
  KeyState,
  LifecycleHooks,
  RotateHookOptions,
  LifecycleEventDetail,
  LifecycleReport,
  CompromiseEvent,
  DetectorConfig,
  Severity,
  Indicator,
  LifecycleCreateOptions,
  LifecycleChangeOptions,
  DetectorStore,
  SuccessorMode,
} from './lifecycle/index.js';
// Types that the API above names in its signatures (so the API reference can link them).
export type { Facet, RestoreReport } from './vault/keystore.js';
export type { VaultKeyInfo, VaultMethodInfo, SessionInfo, TamperDetail, SchnorrSignOptions, SchnorrSignResult } from './vault/contract.js';
export type { MethodKind } from './vault/format.js';
export type { ConflictMode, RestoreResult } from '../worker/vault/backup.js';
export type { BackupHeader, BackupKey, BackupCurve, BackupKeyKind } from './backup/format.js';
export type { BackupKeySummary } from './backup/file.js';
export type { Slip39Group } from './backup/slip39.js';
export type { Clock, Json } from './security/canonical.js';
export type {
  KeyKind,
  RotationTrigger,
  TransitionEntry,
  TransitionInfo,
  LifecycleEventType,
  DueItem,
  RunResult,
  RotatedKey,
  DetectorOptions,
  ManagerOptions,
  KeyOperation,
  SchedulerOptions,
  RunOnceResult,
  MfaAction,
  DueAction,
  ChannelLike,
  LockManagerLike,
  TimerLike,
} from './lifecycle/index.js';
