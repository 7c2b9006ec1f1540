/** TCP listener port (the DLMS wrapper's transport, IEC 62056-47, port 4059 by default). */
export interface TcpConnection {
  write(bytes: Uint8Array): void;
  onData(handler: (bytes: Uint8Array) => void): void;
  onClose(handler: () => void): void;
  close(): void;
}

export interface TcpListener {
  readonly port: number;
  onConnection(handler: (connection: TcpConnection) => void): void;
  close(): void;
}
