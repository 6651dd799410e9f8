package io.caucus.kv.command;

import io.caucus.kv.state.HashValue;
import io.caucus.kv.state.KeyEntry;
import io.caucus.kv.state.Keyspace;
import io.caucus.kv.state.ListValue;
import io.caucus.kv.state.ScriptCache;
import io.caucus.kv.state.SetValue;
import io.caucus.kv.state.ZSetValue;

/**
 * What a command runs against: the keyspace, the time and the log index it runs at. Both come from the log
 * (the leader's stamp, made monotonic by the state machine), so a command computes the same result and makes
 * the same change on every replica. Randomness, too, is drawn from the index ({@link #nextRandom()}).
 *
 * <p>A read-only context ({@link #writable()} false) serves reads outside the log; its commands only look
 * ({@link #read}) and never change anything.
 *
 * <p>The script cache ({@link #scripts()}) is the state machine's, beside the keyspace; a context made without
 * one (the node's own PING/ECHO, tests) serves no script commands.
 */
public final class CommandContext {

    private final Keyspace keyspace;
    private final ScriptCache scripts;
    private final long nowMillis;
    private final long index;
    private final boolean writable;
    private long random;

    /** A context whose random numbers are seeded from the log index: what a replicated command runs in. */
    public CommandContext(Keyspace keyspace, long nowMillis, long index, boolean writable) {
        this(keyspace, null, nowMillis, index, writable, index);
    }

    /** As above, with the replicated script cache (EVAL, EVALSHA, SCRIPT). */
    public CommandContext(Keyspace keyspace, ScriptCache scripts, long nowMillis, long index, boolean writable) {
        this(keyspace, scripts, nowMillis, index, writable, index);
    }

    /**
     * A context with its own random seed: a read is not replicated, so each may draw differently (RANDOMKEY
     * twice on an unchanged state need not answer the same key).
     */
    public CommandContext(Keyspace keyspace, ScriptCache scripts, long nowMillis, long index, boolean writable,
                          long randomSeed) {
        this.keyspace = keyspace;
        this.scripts = scripts;
        this.nowMillis = nowMillis;
        this.index = index;
        this.writable = writable;
        this.random = randomSeed * 0x9E3779B97F4A7C15L;
    }

    public Keyspace keyspace() {
        return keyspace;
    }

    /** The replicated script cache, or null if this context has none. */
    public ScriptCache scripts() {
        return scripts;
    }

    /** The time this command runs at, in milliseconds since the epoch: the log's time, not a local clock. */
    public long nowMillis() {
        return nowMillis;
    }

    /** The log index this command is applied at (for a read, the index the state is at). */
    public long index() {
        return index;
    }

    public boolean writable() {
        return writable;
    }

    /** The next number of a generator seeded from the log index (SplitMix64): the same on every replica. */
    public long nextRandom() {
        long z = (random += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A uniformly drawn int in [0, bound). */
    public int nextRandom(int bound) {
        return (int) Math.floorMod(nextRandom(), (long) bound);
    }

    // ------------------------------------------------------------------ looking keys up

    /** The live entry of a key, for reading, or null. */
    public KeyEntry read(byte[] key) {
        return keyspace.lookup(key, nowMillis);
    }

    /** The live entry of a key, for a change, or null (an expired key is deleted first). */
    public KeyEntry write(byte[] key) {
        requireWritable();
        return keyspace.lookupForWrite(key, nowMillis, index);
    }

    public KeyEntry create(byte[] key, Object value) {
        requireWritable();
        return keyspace.create(key, value, index);
    }

    /** Marks an entry as changed by this command (WATCH sees it). */
    public void changed(KeyEntry entry) {
        keyspace.changed(entry, index);
    }

    public boolean delete(byte[] key) {
        requireWritable();
        return keyspace.delete(key, index);
    }

    /** Deletes the key if its aggregate value became empty (Redis never keeps an empty hash, set, list or zset). */
    public void deleteIfEmpty(KeyEntry entry) {
        keyspace.deleteIfEmpty(entry, index);
    }

    public void setExpiry(KeyEntry entry, long atMillis) {
        keyspace.setExpiry(entry, atMillis, index);
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException("a read-only command tried to change the keyspace");
        }
    }

    // ------------------------------------------------------------------ typed access

    /** The string value of an entry (null entry: null); WRONGTYPE if it is not a string. */
    public static byte[] string(KeyEntry entry) {
        return entry == null ? null : typed(entry, byte[].class);
    }

    public static HashValue hash(KeyEntry entry) {
        return entry == null ? null : typed(entry, HashValue.class);
    }

    public static SetValue set(KeyEntry entry) {
        return entry == null ? null : typed(entry, SetValue.class);
    }

    public static ListValue list(KeyEntry entry) {
        return entry == null ? null : typed(entry, ListValue.class);
    }

    public static ZSetValue zset(KeyEntry entry) {
        return entry == null ? null : typed(entry, ZSetValue.class);
    }

    private static <T> T typed(KeyEntry entry, Class<T> type) {
        if (!type.isInstance(entry.value())) {
            throw CommandException.wrongType();
        }
        return type.cast(entry.value());
    }

    /** Redis's name of a value's type, as TYPE answers. */
    public static String typeName(Object value) {
        return switch (value) {
            case byte[] ignored -> "string";
            case HashValue ignored -> "hash";
            case SetValue ignored -> "set";
            case ListValue ignored -> "list";
            case ZSetValue ignored -> "zset";
            default -> throw new IllegalStateException("unknown value type " + value.getClass());
        };
    }
}
