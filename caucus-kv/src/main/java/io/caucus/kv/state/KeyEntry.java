package io.caucus.kv.state;

/**
 * One key of the keyspace: its value (a {@code byte[]} string, {@link HashValue}, {@link SetValue},
 * {@link ListValue} or {@link ZSetValue}), when it expires, and the log index that last changed it (for WATCH).
 */
public final class KeyEntry extends Dict.Entry<Object> {

    /**
     * {@link #expireAtMillis()} of a key without a time to live. Never a stored expiry: a time at or before the
     * state's time deletes the key instead, and the state's time is never negative.
     */
    public static final long NO_EXPIRY = Long.MIN_VALUE;

    long expireAtMillis = NO_EXPIRY;
    long modifiedIndex;

    KeyEntry(byte[] key, int hash, Object value) {
        super(key, hash, value);
    }

    public long expireAtMillis() {
        return expireAtMillis;
    }

    public boolean hasExpiry() {
        return expireAtMillis != NO_EXPIRY;
    }

    /** The log index of the last change to this key (its creation included). */
    public long modifiedIndex() {
        return modifiedIndex;
    }

    boolean expiredAt(long nowMillis) {
        return expireAtMillis != NO_EXPIRY && expireAtMillis <= nowMillis;
    }
}
