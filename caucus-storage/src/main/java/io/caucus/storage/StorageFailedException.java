package io.caucus.storage;

/**
 * An I/O error (disk full, a failed write or fsync) stopped the store. It accepts no further writes: every
 * later write and sync fails with this exception and the original cause, since after a failed fsync the
 * kernel may have dropped dirty pages and nothing written since the last good sync can be vouched for.
 * Data that was durable before the failure is untouched; restarting the node recovers it.
 */
public final class StorageFailedException extends StorageException {

    public StorageFailedException(String message, Throwable cause) {
        super(message + (cause == null ? "" : ": " + cause), cause);
    }
}
