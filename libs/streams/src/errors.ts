/**
 * Errors of the streams library, one class per failure kind, each carrying the context a user needs
 * to act on it. Anything a poison record causes is recoverable (the record goes to the dead-letter
 * topic); everything else here stops the instance or refuses to start it.
 */

/** Invalid `StreamsConfig`: reported once, at construction (the streams twin of libs/kafka's ConfigError). */
export class StreamsConfigError extends Error {
  override readonly name = 'StreamsConfigError';
}

/** A topology that cannot run: unknown parent, duplicate name, store not connected, ... */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}

/**
 * A record that cannot be processed: it cannot be deserialized, its timestamp is invalid, or a
 * processor threw on it. The record goes to the dead-letter topic and processing goes on.
 */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
  constructor(
    message: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/**
 * Another instance took over this instance's transactional id or static group membership (a
 * restarted copy, or a misconfigured duplicate). This instance must stop: it closes its tasks
 * without committing and leaves the work to the newer one.
 */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  constructor(
    readonly applicationId: string,
    readonly instanceId: string,
    cause?: unknown,
  ) {
    super(
      `instance ${instanceId} of ${applicationId} was fenced by a newer instance with the same transactional id or group.instance.id; shutting down`,
      { cause },
    );
  }
}

/** Start-up checks failed: the broker cannot run this topology as configured. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';
  constructor(
    readonly applicationId: string,
    readonly problems: string[],
    cause?: unknown,
  ) {
    super(`cannot start ${applicationId}: ${problems.join('; ')}`, { cause });
  }
}

/** The state directory of this application is used by another live process. */
export class StateDirLockedError extends Error {
  override readonly name = 'StateDirLockedError';
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(`state directory ${dir} is locked by process ${ownerPid}; give each instance its own stateDir`);
  }
}

/** A processor, punctuator or store failed outside of any single record: the instance stops. */
export class StreamsFatalError extends Error {
  override readonly name = 'StreamsFatalError';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}
