// Structured logs: one JSON object per line. Callers pass only fields that are
// safe to keep (origin, method, status, durations, error codes); tokens, PINs,
// pairing codes and key material are never handed to the logger, so nothing has
// to be scrubbed after the fact.
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  event: string;
  [field: string]: unknown;
}
export type Logger = (entry: LogEntry) => void;

export const jsonLineLogger =
  (stream: NodeJS.WritableStream = process.stderr): Logger =>
  (entry) => {
    stream.write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n');
  };

export const silentLogger: Logger = () => {};
