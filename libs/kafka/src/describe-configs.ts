import { connect, type Socket } from 'node:net';
import { BrokerUnavailableError, KafkaProtocolError } from './errors.js';

/**
 * DescribeConfigs (API key 32, version 1) for topics, spoken directly on the wire: the Kafka client
 * we use exposes no DescribeConfigs, and verifying that an existing changelog is really compacted
 * needs it. Version 1 is the oldest one Kafka 4 still serves and Redpanda supports; it is not a
 * "flexible" version, so the framing is plain int16/int32 lengths.
 */
const API_KEY = 32;
const API_VERSION = 1;
const RESOURCE_TOPIC = 2;

export type TopicConfigs = Map<string, string | null>;

class Writer {
  private parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  string(): string {
    return this.nullableString() ?? '';
  }
}

function encodeRequest(topics: string[], correlationId: number, clientId: string): Buffer {
  const w = new Writer().int16(API_KEY).int16(API_VERSION).int32(correlationId).string(clientId);
  w.int32(topics.length);
  for (const t of topics) w.int8(RESOURCE_TOPIC).string(t).int32(-1);
  w.int8(0); // include_synonyms = false
  const body = w.done();
  return Buffer.concat([new Writer().int32(body.length).done(), body]);
}

function decodeResponse(buf: Buffer, correlationId: number): Map<string, TopicConfigs> {
  const r = new Reader(buf);
  if (r.int32() !== correlationId) throw new KafkaProtocolError('DescribeConfigs: correlation id mismatch', -1);
  r.int32(); // throttle_time_ms
  const out = new Map<string, TopicConfigs>();
  const n = r.int32();
  for (let i = 0; i < n; i++) {
    const code = r.int16();
    const message = r.nullableString();
    r.int8(); // resource_type
    const name = r.string();
    const configs: TopicConfigs = new Map();
    const m = r.int32();
    for (let j = 0; j < m; j++) {
      const key = r.string();
      const value = r.nullableString();
      r.int8(); // read_only
      r.int8(); // config_source
      r.int8(); // is_sensitive
      const synonyms = r.int32();
      for (let k = 0; k < synonyms; k++) {
        r.string();
        r.nullableString();
        r.int8();
      }
      configs.set(key, value);
    }
    if (code !== 0) {
      throw new KafkaProtocolError(`DescribeConfigs for topic ${name} failed with error code ${code}${message ? `: ${message}` : ''}`, code);
    }
    out.set(name, configs);
  }
  return out;
}

/** Reads the effective configs of `topics` from the first bootstrap broker. */
export async function describeTopicConfigs(
  brokers: string,
  topics: string[],
  timeoutMs = 5000,
): Promise<Map<string, TopicConfigs>> {
  const first = brokers.split(',')[0] ?? '';
  const idx = first.lastIndexOf(':');
  const host = first.slice(0, idx);
  const port = Number(first.slice(idx + 1));
  const correlationId = 1;
  const socket: Socket = connect({ host, port });
  try {
    const response = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BrokerUnavailableError(brokers, new Error('DescribeConfigs timed out'))), timeoutMs);
      let acc = Buffer.alloc(0);
      socket.on('connect', () => socket.write(encodeRequest(topics, correlationId, 'candlestream-admin')));
      socket.on('data', (chunk: Buffer) => {
        acc = Buffer.concat([acc, chunk]);
        if (acc.length >= 4 && acc.length >= 4 + acc.readInt32BE(0)) {
          clearTimeout(timer);
          resolve(acc.subarray(4, 4 + acc.readInt32BE(0)));
        }
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(new BrokerUnavailableError(brokers, err));
      });
    });
    return decodeResponse(response, correlationId);
  } finally {
    socket.destroy();
  }
}
