// Key lifecycle, rotation policies, browser scheduling and compromise
// detection. See docs/lifecycle.md.
export { KEY_STATES, TRANSITIONS, transition, canTransition, isKeyState, assertKeyState } from './states.js';
export type { KeyState, KeyKind, RotationTrigger, LifecycleRecord, TransitionEntry, TransitionInfo } from './states.js';
export { DAY_MS, DEFAULT_POLICY, HIGH_SECURITY_POLICY, PolicyRegistry, validatePolicy } from './policy.js';
export type { LifecyclePolicy } from './policy.js';
export { MemoryLifecycleStore } from './store.js';
export type { LifecycleStore } from './store.js';
export { IdbLifecycleStore, lifecycleDbName } from './idb-store.js';
export { LifecycleManager, LifecycleEvent } from './manager.js';
export type {
  KeyOperation,
  RotatedKey,
  LifecycleHooks,
  MfaAction,
  RotateHookOptions,
  SuccessorMode,
  LifecycleChangeOptions,
  LifecycleCreateOptions,
  LifecycleEventType,
  LifecycleEventDetail,
  DueAction,
  DueItem,
  LifecycleReport,
  RunResult,
  ManagerOptions,
} from './manager.js';
export { LifecycleScheduler, SchedulerErrorEvent } from './scheduler.js';
export type { SchedulerOptions, RunOnceResult, LockManagerLike, ChannelLike, TimerLike } from './scheduler.js';
export {
  CompromiseDetector,
  DetectorEvent,
  DEFAULT_DETECTOR_CONFIG,
  DEFAULT_SEVERITIES,
  VAULT_SCOPE,
  validateDetectorConfig,
  wasCompromised,
} from './detector.js';
export type { DetectorConfig, DetectorOptions, DetectorStore, CompromiseEvent, Severity, Indicator } from './detector.js';
