// Official vectors, copied unchanged into test/vectors/ (origin, licence and
// SHA-256 of each in test/vectors/SOURCES.md, checked by test/vectors.test.ts).
// Read them as they are; never edit them.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = fileURLToPath(new URL('../vectors/', import.meta.url));
const dir = VECTORS_DIR;

export function vectorPath(name: string): string {
  const p = dir + name;
  if (!existsSync(p)) throw new Error(`missing official vector file ${p}`);
  return p;
}

export function readVector(name: string): string {
  return readFileSync(vectorPath(name), 'utf8');
}

export function wycheproof<T = any>(name: string): { algorithm: string; numberOfTests: number; testGroups: T[] } {
  return JSON.parse(readVector(`wycheproof/${name}`));
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
