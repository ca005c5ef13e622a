/** A port the agent was told to use is taken: say which port and which setting moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly setting: string,
    what: string,
  ) {
    super(
      `port ${port} is already in use, so the ${what} cannot listen on it. ` +
        `Stop whatever holds it, or set ${setting} to a free port${setting === 'STORE_EDGE_MQTT_PORT' ? ' (0 turns the embedded broker off)' : ''}.`,
    );
    this.name = 'PortInUseError';
  }
}
