/**
 * Demultiplexing of Podman's attach/log framing: each frame is an 8-byte
 * header (byte 0 = stream: 0 stdin, 1 stdout, 2 stderr, 3 server error;
 * bytes 4–7 = big-endian payload length) followed by the payload. Frames may be
 * split across chunks arbitrarily.
 *
 * @module
 */

/** One demultiplexed frame. */
export interface Frame {
  /** 0 stdin (echo), 1 stdout, 2 stderr, 3 server error. */
  stream: number;
  data: Uint8Array;
}

const HEADER = 8;

/** Incremental demultiplexer: feed chunks, get whole frames. */
export class FrameDemuxer {
  #buf: Uint8Array = new Uint8Array(0);

  /** Adds a chunk and returns the frames it completed. */
  push(chunk: Uint8Array): Frame[] {
    this.#buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    const frames: Frame[] = [];
    let off = 0;
    while (this.#buf.length - off >= HEADER) {
      const view = new DataView(this.#buf.buffer, this.#buf.byteOffset + off, HEADER);
      const stream = view.getUint8(0);
      const len = view.getUint32(4);
      if (this.#buf.length - off - HEADER < len) break;
      frames.push({ stream, data: this.#buf.slice(off + HEADER, off + HEADER + len) });
      off += HEADER + len;
    }
    this.#buf = off === 0 ? this.#buf : this.#buf.slice(off);
    return frames;
  }

  /** Bytes held that do not yet form a whole frame. */
  get pending(): number {
    return this.#buf.length;
  }
}

/**
 * Yields the frames of a multiplexed stream; cancels the stream when iteration
 * stops early.
 *
 * @throws {SyntaxError} when the stream ends inside a frame.
 */
export async function* demuxFrames(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<Frame, void, undefined> {
  const reader = body.getReader();
  const demux = new FrameDemuxer();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        if (demux.pending > 0) {
          throw new SyntaxError(
            `Cannot demultiplex Podman stream: it ended inside a frame with ${demux.pending} bytes pending`,
          );
        }
        return;
      }
      yield* demux.push(value);
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
