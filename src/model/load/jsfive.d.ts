/** The part of jsfive (a pure JavaScript HDF5 reader, usnistgov/jsfive) framewise uses. */
declare module 'jsfive' {
  /** A group or dataset; `get` throws when the path does not exist. */
  interface Node {
    readonly name: string;
    readonly attrs: Record<string, unknown>;
  }
  export class Group implements Node {
    readonly name: string;
    readonly attrs: Record<string, unknown>;
    /** Names of the members. */
    readonly keys: string[];
    get(path: string): Group | Dataset;
  }
  export class Dataset implements Node {
    readonly name: string;
    readonly attrs: Record<string, unknown>;
    readonly shape: number[];
    /** numpy's dtype string, e.g. `<f4`. */
    readonly dtype: string | object;
    /** The values, flat, in C order. */
    readonly value: ArrayLike<number>;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
}
