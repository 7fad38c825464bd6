/**
 * Reads `metadata_props` (the model card) out of an ONNX file's bytes.
 *
 * onnxruntime's JS API exposes input/output metadata but not the model's metadata_props, so the runtime reads them
 * itself. This walks the protobuf wire format of ModelProto's top level only, skipping every other field (the graph
 * with its weights is skipped by its length, not parsed). It is hand-written rather than protobufjs because it must
 * run in the browser page, which loads plain ES modules without a bundler, and protobufjs ships no ES module;
 * the test checks it against the `onnx` Python package's reading of the same files.
 */

/** ModelProto field numbers (onnx.proto3) */
const MODEL_METADATA_PROPS = 14;
/** StringStringEntryProto */
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  return readOnnxParts(bytes).props;
}

/**
 * The metadata_props and the rest of the file: `content` are the byte ranges of every other top-level field (graph,
 * weights, opsets, producer), in file order. Their hash is what the card records for the file (core/integrity.ts):
 * the card lives in metadata_props, so it cannot hold a hash that covers itself.
 */
export function readOnnxParts(bytes: Uint8Array): { props: Record<string, string>; content: Uint8Array[] } {
  const r = new WireReader(bytes, 0, bytes.length, 'model');
  const props: Record<string, string> = {};
  const content: Uint8Array[] = [];
  let from = 0;
  while (!r.done()) {
    const start = r.position();
    const { field, wire } = r.tag();
    if (field === MODEL_METADATA_PROPS && wire === WIRE_LEN) {
      if (start > from) content.push(bytes.subarray(from, start));
      const entry = r.sub('metadata_props entry');
      let key: string | undefined;
      let value = '';
      while (!entry.done()) {
        const t = entry.tag();
        if (t.field === ENTRY_KEY && t.wire === WIRE_LEN) key = entry.string();
        else if (t.field === ENTRY_VALUE && t.wire === WIRE_LEN) value = entry.string();
        else entry.skip(t.wire);
      }
      if (key !== undefined) props[key] = value;
      from = r.position();
    } else {
      r.skip(wire);
    }
  }
  if (bytes.length > from) content.push(bytes.subarray(from));
  return { props, content };
}

class WireReader {
  private static decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly buf: Uint8Array,
    private pos: number,
    private readonly end: number,
    private readonly what: string,
  ) {}

  position(): number {
    return this.pos;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  tag(): { field: number; wire: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t % 8 };
  }

  /** Unsigned varint; exact up to 2^53, which covers every length and tag in a file that fits in memory. */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  sub(what: string): WireReader {
    const len = this.varint();
    if (this.pos + len > this.end) this.fail(`${what} runs past the end of its enclosing message`);
    const r = new WireReader(this.buf, this.pos, this.pos + len, what);
    this.pos += len;
    return r;
  }

  string(): string {
    const len = this.varint();
    if (this.pos + len > this.end) this.fail('string runs past the end of its message');
    const s = WireReader.decoder.decode(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.advance(this.varint());
        return;
      case WIRE_I32:
        this.advance(4);
        return;
      default:
        this.fail(`unsupported wire type ${wire}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) this.fail('field runs past the end of its message');
    this.pos += n;
  }

  private fail(msg: string): never {
    throw new Error(`not a valid ONNX file: ${msg} (in ${this.what} at byte ${this.pos})`);
  }
}
