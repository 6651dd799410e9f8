package io.caucus.kv.state;

import java.util.List;

/** A write to the key-value state, as replicated in the log (inside a {@link KvCommand.SessionWrite}). */
public sealed interface KvWrite {

    /** SET key value: always succeeds with OK. */
    record Set(byte[] key, byte[] value) implements KvWrite {
    }

    /** DEL key...: the number of keys that existed. */
    record Delete(List<byte[]> keys) implements KvWrite {
    }

    /** INCR, INCRBY, DECR: the new value, or an error if the value is not a 64-bit integer or overflows. */
    record IncrementBy(byte[] key, long delta) implements KvWrite {
    }

    /** APPEND key value: the new length. */
    record Append(byte[] key, byte[] value) implements KvWrite {
    }

    /** MSET key value [key value...]: atomic; always OK. Invariant: keys and values have the same size. */
    record MultiSet(List<byte[]> keys, List<byte[]> values) implements KvWrite {
        public MultiSet {
            if (keys.size() != values.size() || keys.isEmpty()) {
                throw new IllegalArgumentException("MSET needs as many values as keys, and at least one key");
            }
        }
    }

    /** CAS key expected new: 1 if the key held exactly {@code expected} and now holds {@code replacement}. */
    record CompareAndSet(byte[] key, byte[] expected, byte[] replacement) implements KvWrite {
    }
}
