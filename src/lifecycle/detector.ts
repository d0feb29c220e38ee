// Compromise detector (docs/lifecycle.md "Compromise detector"): detection
// indicators with severities, configurable thresholds, usage monitoring,
// manual compromise reports and an automatic response to critical events;
// API recordUsage, report, isCompromised, eventsFor, acknowledge.
//
// What is compromised must not depend on which tab saw it: isCompromised also
// holds for keys the manager marked (markCompromised, emergencyRotate, the
// response to a critical event), and events of severity high and critical go
// to an optional DetectorStore, which `load()` reads back (the vault keeps
// them in an authenticated record, docs/lifecycle.md "Compromise detector").
// Failed unlocks are a vault-wide indicator, with key id `*` (VAULT_SCOPE).
//
// In a browser there is no client IP, so an anomalous location has no
// automatic check (report it manually with indicator 'anomalous-location');
// ending the sessions that could use the key is left to the vault, which hears
// the 'compromise-indicator' event and can lock.
import { VaultkeyError } from '../errors.js';
import type { LifecycleManager } from './manager.js';
import { canTransition, type LifecycleRecord } from './states.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type Indicator =
  | 'rapid-usage'
  | 'anomalous-time'
  | 'anomalous-location'
  | 'failed-verifications'
  | 'failed-unlocks'
  | 'external-report'
  | 'key-leakage';

/** The key id of vault-wide events (failed unlocks): no key is named `*`. */
export const VAULT_SCOPE = '*';

const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const INDICATORS: readonly Indicator[] = [
  'rapid-usage',
  'anomalous-time',
  'anomalous-location',
  'failed-verifications',
  'failed-unlocks',
  'external-report',
  'key-leakage',
];

/** Default severity of each detection indicator. */
export const DEFAULT_SEVERITIES: Readonly<Record<Indicator, Severity>> = Object.freeze({
  'rapid-usage': 'medium',
  'anomalous-time': 'low',
  'anomalous-location': 'high',
  'failed-verifications': 'high',
  // Anyone with the page can type a wrong passphrase: reported and kept, no automatic action (the throttle slows guessing).
  'failed-unlocks': 'high',
  'external-report': 'critical',
  'key-leakage': 'critical',
});

export interface DetectorConfig {
  /** More operations than this within 60 s raises rapid-usage. Default: 10. */
  usagePerMinute: number;
  /** More operations than this within 3600 s raises rapid-usage. Default: 100. */
  usagePerHour: number;
  /** Allowed hours [start, end) (wraps past midnight when start > end); null: any time. Default: 6-22. */
  allowedHours: { start: number; end: number } | null;
  /** This many failed verifications within the window raises failed-verifications. Default: 5. */
  failedVerificationThreshold: number;
  /** Window for counting failed verifications. Default: 1 hour. */
  failedVerificationWindowMs: number;
  /** This many failed unlocks (or failed proofs) within the window raises failed-unlocks. Default: 5. */
  failedUnlockThreshold: number;
  /** Window for counting failed unlocks. Default: 1 hour. */
  failedUnlockWindowMs: number;
  /**
   * On a critical event: 'suspend' (the key is suspended immediately),
   * 'compromise' (auto-revoke: the key is marked Compromised),
   * or 'none'.
   */
  onCritical: 'suspend' | 'compromise' | 'none';
  /** Overrides of the table's severities (e.g. make rapid-usage critical). */
  severities?: Partial<Record<Indicator, Severity>>;
}

export const DEFAULT_DETECTOR_CONFIG: Readonly<DetectorConfig> = Object.freeze({
  usagePerMinute: 10,
  usagePerHour: 100,
  allowedHours: Object.freeze({ start: 6, end: 22 }),
  failedVerificationThreshold: 5,
  failedVerificationWindowMs: 3_600_000,
  failedUnlockThreshold: 5,
  failedUnlockWindowMs: 3_600_000,
  onCritical: 'suspend' as const,
});

export interface CompromiseEvent {
  id: string;
  keyId: string;
  indicator: Indicator;
  severity: Severity;
  at: number;
  details: string;
  reportedBy: string;
  /** What the automatic response did to the key. */
  action: 'suspended' | 'compromised' | null;
  acknowledged: { by: string; at: number } | null;
}

/** Dispatched as 'compromise-indicator' for every event, and also as 'critical' for critical ones. */
export class DetectorEvent extends Event {
  readonly detail: CompromiseEvent;
  constructor(type: 'compromise-indicator' | 'critical', detail: CompromiseEvent) {
    super(type);
    this.detail = detail;
  }
}

/**
 * Where events of severity high and critical are kept beyond this object's
 * life (the vault: an authenticated record). `save` gets a new event, or one
 * acknowledged since; it should not throw (a failure loses only durability).
 */
export interface DetectorStore {
  load(): Promise<CompromiseEvent[]>;
  save(event: CompromiseEvent): Promise<void>;
}

export interface DetectorOptions {
  config?: Partial<DetectorConfig>;
  store?: DetectorStore;
  /** For the automatic response and to refuse unknown key ids. */
  manager?: LifecycleManager;
  clock?: () => number;
  /** Hour of day (0-23) of a timestamp. Default: the device's local hour. */
  hourOf?: (at: number) => number;
}

function bad(message: string): never {
  throw new VaultkeyError('INVALID_ARGUMENT', message);
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) bad(`${name} must be a positive integer`);
  return v;
}

export function validateDetectorConfig(input: Partial<DetectorConfig> = {}): Readonly<DetectorConfig> {
  if (typeof input !== 'object' || input === null) bad('detector config must be an object');
  const c = { ...DEFAULT_DETECTOR_CONFIG, ...input };
  positiveInt(c.usagePerMinute, 'usagePerMinute');
  positiveInt(c.usagePerHour, 'usagePerHour');
  positiveInt(c.failedVerificationThreshold, 'failedVerificationThreshold');
  positiveInt(c.failedVerificationWindowMs, 'failedVerificationWindowMs');
  positiveInt(c.failedUnlockThreshold, 'failedUnlockThreshold');
  positiveInt(c.failedUnlockWindowMs, 'failedUnlockWindowMs');
  if (c.usagePerHour < c.usagePerMinute) bad('usagePerHour must be >= usagePerMinute');
  if (c.allowedHours !== null) {
    const h = c.allowedHours;
    const hour = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 24;
    if (typeof h !== 'object' || !hour(h.start) || !hour(h.end) || h.start === h.end || h.start === 24) {
      bad('allowedHours must be null or { start, end } with distinct integer hours in [0, 24]');
    }
  }
  if (!['suspend', 'compromise', 'none'].includes(c.onCritical)) bad("onCritical must be 'suspend', 'compromise' or 'none'");
  for (const [k, v] of Object.entries(c.severities ?? {})) {
    if (!INDICATORS.includes(k as Indicator) || !SEVERITIES.includes(v as Severity)) bad(`bad severity override ${k}`);
  }
  return Object.freeze(c);
}

/**
 * Use counts per second over the last hour (a ring of 3,600 buckets with
 * running minute and hour totals): O(1) per use and bounded memory, however
 * fast a key signs. Windows are whole seconds.
 */
class UseWindow {
  readonly #b = new Int32Array(3600);
  #last = -1;
  minute = 0;
  hour = 0;

  add(at: number): void {
    const sec = Math.floor(at / 1000);
    if (this.#last < 0 || sec - this.#last >= 3600) {
      this.#b.fill(0);
      this.minute = this.hour = 0;
    } else {
      for (let s = this.#last + 1; s <= sec; s++) {
        this.minute -= this.#b[(((s - 60) % 3600) + 3600) % 3600]!; // second s-60 leaves the minute
        this.hour -= this.#b[s % 3600]!; // second s-3600 leaves the hour; its slot is s's now
        this.#b[s % 3600] = 0;
      }
    }
    if (sec > this.#last) this.#last = sec;
    this.#b[this.#last % 3600]!++;
    this.minute++;
    this.hour++;
  }
}

interface KeyWindow {
  uses: UseWindow;
  failures: number[];
  overMinute: boolean;
  overHour: boolean;
  overFailures: boolean;
}

export class CompromiseDetector extends EventTarget {
  readonly config: Readonly<DetectorConfig>;
  readonly #manager: LifecycleManager | undefined;
  readonly #clock: () => number;
  readonly #hourOf: (at: number) => number;
  readonly #windows = new Map<string, KeyWindow>();
  readonly #events: CompromiseEvent[] = [];
  /** Keys the manager marked Compromised (seen as events, or read by load()). */
  readonly #marked = new Set<string>();
  readonly #store: DetectorStore | undefined;
  #saving: Promise<unknown> = Promise.resolve();
  #seq = 0;

  constructor(options: DetectorOptions = {}) {
    super();
    this.config = validateDetectorConfig(options.config);
    this.#manager = options.manager;
    this.#store = options.store;
    this.#manager?.addEventListener('compromised', (e) => this.#marked.add((e as Event & { detail: { keyId: string } }).detail.keyId));
    this.#clock = options.clock ?? options.manager?.now.bind(options.manager) ?? (() => Date.now());
    this.#hourOf = options.hourOf ?? ((at) => new Date(at).getHours());
  }

  /**
   * Records one operation with `keyId` (the vault calls it on every
   * signature). Returns the events it raised: rapid-usage when the per-minute
   * or per-hour count goes over its threshold (once per excursion, not once
   * per extra operation), anomalous-time outside allowedHours.
   */
  async recordUsage(keyId: string, o: { known?: boolean } = {}): Promise<CompromiseEvent[]> {
    // `known`: the caller (the vault's signing commit) has just read and verified the key's record.
    if (o.known !== true) await this.#checkKey(keyId);
    const at = this.#clock();
    const w = this.#window(keyId);
    w.uses.add(at);
    const perMinute = w.uses.minute;
    const raised: CompromiseEvent[] = [];
    if (perMinute > this.config.usagePerMinute) {
      if (!w.overMinute)
        raised.push(
          await this.#raise(
            keyId,
            'rapid-usage',
            `${perMinute} operations within a minute (threshold ${this.config.usagePerMinute})`,
            'detector',
            at,
          ),
        );
      w.overMinute = true;
    } else w.overMinute = false;
    if (w.uses.hour > this.config.usagePerHour) {
      if (!w.overHour)
        raised.push(
          await this.#raise(
            keyId,
            'rapid-usage',
            `${w.uses.hour} operations within an hour (threshold ${this.config.usagePerHour})`,
            'detector',
            at,
          ),
        );
      w.overHour = true;
    } else w.overHour = false;
    const hours = this.config.allowedHours;
    if (hours) {
      const h = this.#hourOf(at);
      const inside = hours.start < hours.end ? h >= hours.start && h < hours.end : h >= hours.start || h < hours.end;
      if (!inside)
        raised.push(
          await this.#raise(keyId, 'anomalous-time', `operation at hour ${h}, allowed ${hours.start}-${hours.end}`, 'detector', at),
        );
    }
    return raised;
  }

  /** Records a signature that failed to verify under `keyId`. */
  async recordFailedVerification(keyId: string): Promise<CompromiseEvent[]> {
    await this.#checkKey(keyId);
    const at = this.#clock();
    const w = this.#window(keyId);
    w.failures = w.failures.filter((t) => t > at - this.config.failedVerificationWindowMs);
    w.failures.push(at);
    if (w.failures.length >= this.config.failedVerificationThreshold) {
      if (w.overFailures) return [];
      w.overFailures = true;
      return [
        await this.#raise(
          keyId,
          'failed-verifications',
          `${w.failures.length} failed verifications (threshold ${this.config.failedVerificationThreshold})`,
          'detector',
          at,
        ),
      ];
    }
    w.overFailures = false;
    return [];
  }

  /**
   * Records a failed unlock or failed proof of the vault (`at`: when it
   * happened; failures judged while locked are reported at the next unlock).
   * Raises failed-unlocks, for key id `*`, once per excursion over the threshold.
   */
  async recordFailedUnlock(o: { at?: number } = {}): Promise<CompromiseEvent[]> {
    const at = typeof o?.at === 'number' && Number.isFinite(o.at) ? o.at : this.#clock();
    const w = this.#window(VAULT_SCOPE);
    const since = Math.max(at, ...w.failures) - this.config.failedUnlockWindowMs;
    w.failures = [...w.failures, at].filter((t) => t > since);
    if (w.failures.length < this.config.failedUnlockThreshold) {
      w.overFailures = false;
      return [];
    }
    if (w.overFailures) return [];
    w.overFailures = true;
    const n = w.failures.length;
    return [
      await this.#raise(
        VAULT_SCOPE,
        'failed-unlocks',
        `${n} failed unlock attempts (threshold ${this.config.failedUnlockThreshold})`,
        'detector',
        at,
      ),
    ];
  }

  /** A manual compromise report with its own severity. */
  async report(
    keyId: string,
    report: { indicator?: Indicator; severity: Severity; details: string; reportedBy: string },
  ): Promise<CompromiseEvent> {
    if (!report || typeof report !== 'object') bad('report must be an object');
    const indicator = report.indicator ?? 'external-report';
    if (!INDICATORS.includes(indicator)) bad(`indicator must be one of ${INDICATORS.join(', ')}`);
    if (!SEVERITIES.includes(report.severity)) bad(`severity must be one of ${SEVERITIES.join(', ')}`);
    if (typeof report.details !== 'string' || report.details.length > 4096) bad('details must be a string of at most 4096 characters');
    if (typeof report.reportedBy !== 'string' || report.reportedBy.length === 0 || report.reportedBy.length > 256)
      bad('reportedBy must be a non-empty string');
    await this.#checkKey(keyId);
    return this.#raise(keyId, indicator, report.details, report.reportedBy, this.#clock(), report.severity);
  }

  /**
   * True once a critical event was raised for the key, or the manager marked
   * it Compromised (acknowledging does not clear it). After a reload, call
   * `load()` first: it reads the stored events and the records' states.
   */
  isCompromised(keyId: string): boolean {
    return this.#marked.has(keyId) || this.#events.some((e) => e.keyId === keyId && e.severity === 'critical');
  }

  /** Reads the kept events (DetectorStore) and the keys the manager's records say were ever compromised. */
  async load(): Promise<void> {
    if (this.#store) this.adopt(await this.#store.load());
    for (const r of (await this.#manager?.list()) ?? []) if (wasCompromised(r)) this.#marked.add(r.keyId);
  }

  /** Merges events kept elsewhere (another tab's, read back from the store): new ones added, acknowledgements taken. */
  adopt(events: readonly CompromiseEvent[]): void {
    for (const x of events) {
      if (!x || typeof x.id !== 'string' || typeof x.keyId !== 'string') continue;
      const mine = this.#events.find((e) => e.id === x.id);
      if (!mine) this.#events.push(structuredClone(x));
      else if (!mine.acknowledged && x.acknowledged) mine.acknowledged = { ...x.acknowledged };
    }
    this.#events.sort((a, b) => a.at - b.at);
  }

  /** Waits for the store writes started so far (an acknowledgement's). */
  async flush(): Promise<void> {
    await this.#saving;
  }

  eventsFor(keyId: string): CompromiseEvent[] {
    return this.#events.filter((e) => e.keyId === keyId).map((e) => structuredClone(e));
  }

  events(): CompromiseEvent[] {
    return this.#events.map((e) => structuredClone(e));
  }

  unacknowledged(): CompromiseEvent[] {
    return this.events().filter((e) => !e.acknowledged);
  }

  /** Marks an event as seen. Unknown id: NOT_FOUND; a second acknowledgement keeps the first. */
  acknowledge(eventId: string, by: string): CompromiseEvent {
    if (typeof by !== 'string' || by.length === 0 || by.length > 256) bad('by must be a non-empty string');
    const e = this.#events.find((x) => x.id === eventId);
    if (!e) throw new VaultkeyError('NOT_FOUND', `no compromise event ${String(eventId)}`);
    if (!e.acknowledged) {
      e.acknowledged = { by, at: this.#clock() };
      if (kept(e)) this.#saving = Promise.all([this.#saving, this.#save(e)]);
    }
    return structuredClone(e);
  }

  async #save(e: CompromiseEvent): Promise<void> {
    await this.#store?.save(structuredClone(e)).catch(() => {
      // Only durability is lost: the event was raised, dispatched and (in the vault) audited.
    });
  }

  async #checkKey(keyId: string): Promise<void> {
    if (typeof keyId !== 'string' || keyId.length === 0) bad('key id must be a non-empty string');
    if (this.#manager) await this.#manager.get(keyId); // NOT_FOUND for unknown keys
  }

  #window(keyId: string): KeyWindow {
    let w = this.#windows.get(keyId);
    if (!w)
      this.#windows.set(keyId, (w = { uses: new UseWindow(), failures: [], overMinute: false, overHour: false, overFailures: false }));
    return w;
  }

  async #raise(
    keyId: string,
    indicator: Indicator,
    details: string,
    reportedBy: string,
    at: number,
    severity?: Severity,
  ): Promise<CompromiseEvent> {
    const sev = severity ?? this.config.severities?.[indicator] ?? DEFAULT_SEVERITIES[indicator];
    const event: CompromiseEvent = {
      id: `ce-${at.toString(36)}-${(++this.#seq).toString(36)}`,
      keyId,
      indicator,
      severity: sev,
      at,
      details,
      reportedBy,
      action: null,
      acknowledged: null,
    };
    this.#events.push(event);
    if (sev === 'critical') event.action = await this.#respond(event);
    if (kept(event)) await this.#save(event);
    this.dispatchEvent(new DetectorEvent('compromise-indicator', structuredClone(event)));
    if (sev === 'critical') this.dispatchEvent(new DetectorEvent('critical', structuredClone(event)));
    return structuredClone(event);
  }

  /**
   * Automatic response ("Key is immediately suspended"). Where the state has
   * no Suspended edge (Created, Rotating in grace, Expired, Deactivated,
   * Archived) suspension is impossible, so a critical event escalates to
   * Compromised: a key that is not stopped would keep verifying.
   */
  async #respond(e: CompromiseEvent): Promise<CompromiseEvent['action']> {
    if (!this.#manager || this.config.onCritical === 'none' || e.keyId === VAULT_SCOPE) return null;
    const r = await this.#manager.get(e.keyId);
    const options = { actor: 'detector', reason: `${e.indicator} (${e.severity}): ${e.details}`.slice(0, 1024) };
    if (this.config.onCritical === 'suspend' && r.state === 'active') {
      await this.#manager.suspend(e.keyId, options);
      return 'suspended';
    }
    if (r.state === 'suspended' && this.config.onCritical === 'suspend') return null;
    if (canTransition(r.state, 'compromised')) {
      await this.#manager.markCompromised(e.keyId, options);
      return 'compromised';
    }
    return null;
  }
}

/** Events that outlive the object that raised them (DetectorStore): high and critical. */
function kept(e: CompromiseEvent): boolean {
  return e.severity === 'high' || e.severity === 'critical';
}

/** A record in Compromised now, or that went through it (then archived or destroyed). */
export function wasCompromised(r: LifecycleRecord): boolean {
  return r.state === 'compromised' || r.history.some((h) => h.to === 'compromised');
}
