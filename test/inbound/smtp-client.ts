// A bare SMTP client over a raw socket, as a remote MTA delivering a report would talk: it can send a null sender,
// several recipients, garbage, or stop half way, and it returns every reply.
import { connect, type Socket } from 'node:net';

/** One SMTP reply: its code and text. */
export interface Reply {
  code: number;
  text: string;
}

/** A connection that reads one reply at a time. */
export class SmtpClient {
  private buffer = '';
  private waiting: ((reply: Reply) => void) | null = null;
  private readonly replies: Reply[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (;;) {
        const match = /^(\d{3}) (.*)\r\n/m.exec(this.buffer);
        if (!match) break;
        const end = match.index + match[0].length;
        const reply = { code: Number(match[1]), text: this.buffer.slice(0, end).trim() };
        this.buffer = this.buffer.slice(end);
        if (this.waiting) {
          const waiting = this.waiting;
          this.waiting = null;
          waiting(reply);
        } else this.replies.push(reply);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  /** Connects (from `localAddress`, another loopback address, if given) and reads the greeting. */
  static async open(port: number, localAddress?: string): Promise<{ client: SmtpClient; greeting: Reply }> {
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    const client = new SmtpClient(socket);
    return { client, greeting: await client.reply() };
  }

  /** The next reply, or code 0 when the server closed the connection first. */
  reply(): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    return Promise.race([
      new Promise<Reply>((resolve) => (this.waiting = resolve)),
      this.closed.then(() => ({ code: 0, text: 'closed' })),
    ]);
  }

  /** Sends one command line and reads its reply. */
  async command(line: string): Promise<Reply> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Sends a message body (dot-stuffed) and the final dot; returns the reply to it. */
  async data(body: string): Promise<Reply> {
    const stuffed = body.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.socket.write(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
    return this.reply();
  }

  async quit(): Promise<void> {
    this.socket.end('QUIT\r\n');
    await this.closed;
  }
}

/** Delivers one message as an MTA would (null sender by default); returns the reply to RCPT (if refused) or to DATA. */
export async function deliver(port: number, to: string | string[], body: string, from = ''): Promise<Reply> {
  const { client } = await SmtpClient.open(port);
  try {
    await client.command('EHLO mx.example.net');
    const mail = await client.command(`MAIL FROM:<${from}>`);
    if (mail.code !== 250) return mail;
    for (const address of [to].flat()) {
      const rcpt = await client.command(`RCPT TO:<${address}>`);
      if (rcpt.code !== 250) return rcpt;
    }
    const go = await client.command('DATA');
    if (go.code !== 354) return go;
    return await client.data(body);
  } finally {
    await client.quit();
  }
}
