package io.caucus.storage;

/** An entry larger than {@link StorageOptions#maxEntryBytes()}; nothing of its batch was written. */
public final class RecordTooLargeException extends StorageException {

    public RecordTooLargeException(String message) {
        super(message, null);
    }
}
