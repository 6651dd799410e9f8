package io.caucus.kv.state;

import java.util.List;

/** A read-only question to the key-value state, answered through a linearizable read (thesis §6.4). */
public sealed interface KvQuery {

    record Get(byte[] key) implements KvQuery {
    }

    record MultiGet(List<byte[]> keys) implements KvQuery {
    }

    /** EXISTS key...: how many of the keys exist (a key named twice counts twice, as in Redis). */
    record Exists(List<byte[]> keys) implements KvQuery {
    }

    record Strlen(byte[] key) implements KvQuery {
    }

    record DbSize() implements KvQuery {
    }
}
