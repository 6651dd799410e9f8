package io.caucus.storage;

/**
 * Why storage refused to do something. Unchecked: the runtime cannot recover from any of these by retrying,
 * only by stopping the node (failed or corrupt storage) or fixing its own bug (a record too large).
 */
public abstract sealed class StorageException extends RuntimeException
        permits CorruptStorageException, StorageFailedException, RecordTooLargeException {

    StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
