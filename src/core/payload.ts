/**
 * Button payloads as typed values: `<prefix>:<verb>:<arg>:<arg>` on the wire (short enough for Telegram's
 * 64-byte callback data), built and read only through a codec, so no code splits strings by hand.
 */

type Args<Names extends readonly string[]> = { [K in Names[number]]: string };
export type Decoded<V extends Record<string, readonly string[]>> = { [K in keyof V & string]: { verb: K; args: Args<V[K]> } }[keyof V & string];

export interface PayloadCodec<V extends Record<string, readonly string[]>> {
  readonly prefix: string;
  encode<K extends keyof V & string>(verb: K, args: Args<V[K]>): string;
  /** The verb and named arguments; undefined for a payload of another prefix or of the wrong shape. */
  decode(payload: string): Decoded<V> | undefined;
}

export function payloadCodec<const V extends Record<string, readonly string[]>>(prefix: string, verbs: V): PayloadCodec<V> {
  return {
    prefix,
    encode(verb, args) {
      const values = verbs[verb]!.map((name) => (args as Record<string, string>)[name]!);
      for (const v of values) if (!v || v.includes(':')) throw new Error(`payload ${prefix}:${verb}: argument "${v}" is empty or holds ":"`);
      return [prefix, verb, ...values].join(':');
    },
    decode(payload) {
      const [p, verb, ...values] = payload.split(':');
      const names = verb !== undefined && Object.hasOwn(verbs, verb) ? verbs[verb] : undefined;
      if (p !== prefix || !names || names.length !== values.length || values.some((v) => !v)) return undefined;
      return { verb, args: Object.fromEntries(names.map((n, i) => [n, values[i]!])) } as Decoded<V>;
    },
  };
}
