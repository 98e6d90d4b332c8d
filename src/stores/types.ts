/**
 * The shape every secret store has, so that a new kind is one file in `kinds/` plus one line in `index.ts`. Types
 * only. A store is asked in batches (one instance's secrets at a time: a network store answers them in one round trip)
 * and asynchronously (a network store cannot answer synchronously); a local store simply answers at once.
 */
import type { Environment, Manifest, SecretStore } from '../manifest/types.ts';
import type { SecretLocation } from '../resolve/types.ts';

export type StoreKind = SecretStore['kind'];

/** Where a value lives in a store (a config layer is not a store: it is read by `readStoreValues` itself). */
export type StoreLocation = Exclude<SecretLocation, { kind: 'layer' }>;

/** Whose store a call is about. */
export interface StoreScope {
  root: string;
  manifest: Manifest;
  environment: Environment;
}

/** One value of a store: which secret (and tenant) and where the store keeps it. */
export interface StoreEntry {
  name: string;
  tenant?: string;
  location: StoreLocation;
}

/** What `check` learns about one entry without printing anything of its value. */
export interface StoreFacts {
  /** The store holds something for the entry (a file of the files store may still be empty). */
  exists: boolean;
  /** Days since the current version was written, when the store keeps that (secret managers do). */
  ageDays?: number;
}

/** The working half of a store, loaded only when an environment that uses it is read or written. */
export interface Store {
  /**
   * The values of `entries`, in their order; undefined for a missing one. Errors name the entry, never a value.
   * Called once per instance (or once per command for the whole environment), never once per secret.
   */
  read(scope: StoreScope, entries: readonly StoreEntry[]): Promise<(string | undefined)[]>;
  /**
   * Writes new values (setup's generation, rotate) as one step: a store with an index of its values (the age lock)
   * updates it once. Absent for a store envplane cannot write into. Called under the project lock.
   */
  write?(scope: StoreScope, writes: readonly { entry: StoreEntry; value: string }[]): Promise<void>;
  /** For check: whether each entry exists, without reading values where the store can tell without. */
  facts(scope: StoreScope, entries: readonly StoreEntry[]): Promise<StoreFacts[]>;
}

/** What the registry knows of a store without loading it: cheap, pure, safe on every hot path. */
export interface StoreInfo {
  /** How output names where a value lives: `secrets/x.txt`, `external secret app_x`. */
  describe(location: StoreLocation): string;
  /**
   * Variables that hold this store's credentials (exact names; a trailing `*` is a prefix). `run` leaves them out of
   * the child's environment unless the manifest declares the key.
   */
  credentials: readonly string[];
  /** The working half. A store whose code is heavy (crypto, a network client) imports it lazily here. */
  open(): Store | Promise<Store>;
}
