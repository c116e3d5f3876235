/** Where a command writes: stdout for results people or scripts read, stderr for logs and errors. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Whole stdin, for `--file -`. */
  readStdin(): Promise<string>;
}

export const processIo: CommandIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};
