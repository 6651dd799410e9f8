package io.caucus.kv.command;

import io.caucus.kv.state.Dict;
import io.caucus.kv.state.HashValue;
import io.caucus.kv.state.ListValue;
import io.caucus.kv.state.SetValue;
import io.caucus.kv.state.ZSetValue;

/**
 * OBJECT ENCODING's answer: the encoding redis-server 7.0 would use for the same value with its default
 * thresholds, for clients and tools that ask. Caucus keeps one representation per type; this only names
 * what Redis would. Unlike Redis, a value that shrinks below a threshold is named by its current size.
 */
final class Encodings {

    private static final int MAX_HASH_LISTPACK_ENTRIES = 512;
    private static final int MAX_ZSET_LISTPACK_ENTRIES = 128;
    private static final int MAX_LISTPACK_VALUE_BYTES = 64;
    private static final int MAX_INTSET_ENTRIES = 512;
    private static final int MAX_EMBSTR_BYTES = 44;

    private Encodings() {
    }

    static String of(Object value) {
        return switch (value) {
            case byte[] string -> isInteger(string) ? "int" : string.length <= MAX_EMBSTR_BYTES ? "embstr" : "raw";
            case HashValue hash -> compactHash(hash) ? "listpack" : "hashtable";
            case SetValue set -> set.size() <= MAX_INTSET_ENTRIES && allIntegers(set) ? "intset" : "hashtable";
            case ListValue ignored -> "quicklist";
            case ZSetValue zset -> compactZSet(zset) ? "listpack" : "skiplist";
            default -> throw new IllegalStateException("unknown value type " + value.getClass());
        };
    }

    private static boolean isInteger(byte[] string) {
        if (string.length > 20) {
            return false;
        }
        try {
            RedisNumbers.parseLong(string);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean compactHash(HashValue hash) {
        if (hash.size() > MAX_HASH_LISTPACK_ENTRIES) {
            return false;
        }
        for (Dict.Entry<byte[]> entry : hash.entries()) {
            if (entry.key().length > MAX_LISTPACK_VALUE_BYTES || entry.value().length > MAX_LISTPACK_VALUE_BYTES) {
                return false;
            }
        }
        return true;
    }

    private static boolean allIntegers(SetValue set) {
        for (Dict.Entry<Boolean> entry : set.entries()) {
            if (!isInteger(entry.key())) {
                return false;
            }
        }
        return true;
    }

    private static boolean compactZSet(ZSetValue zset) {
        if (zset.size() > MAX_ZSET_LISTPACK_ENTRIES) {
            return false;
        }
        for (ZSetValue.Node node : zset.ascending()) {
            if (node.member().length > MAX_LISTPACK_VALUE_BYTES) {
                return false;
            }
        }
        return true;
    }
}
