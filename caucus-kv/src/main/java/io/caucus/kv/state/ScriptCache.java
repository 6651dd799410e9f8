package io.caucus.kv.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replicated script cache (what {@code SCRIPT LOAD} and {@code EVAL} add, {@code EVALSHA} runs and
 * {@code SCRIPT FLUSH} empties): script bodies by the lowercase hex SHA1 of their bytes, in the order they were
 * added. It is part of the state machine's state (changed only by log entries, kept in snapshots), so every
 * replica holds the same scripts and answers {@code EVALSHA} alike.
 *
 * <p>Bounded by {@link #MAX_SCRIPTS} scripts and {@link #MAX_TOTAL_BYTES} bytes of script text: past either,
 * {@link #add} refuses the new script (the same on every replica, since the cache is the same). A script's
 * compiled form is kept beside it ({@link Script#compiled}): a local cache of a pure function of the text,
 * never replicated or snapshotted.
 */
public final class ScriptCache {

    /** At most this many scripts. */
    public static final int MAX_SCRIPTS = 10_000;
    /** At most this many bytes of script text in all. */
    public static final long MAX_TOTAL_BYTES = 64L << 20;

    private final Map<String, Script> scripts = new LinkedHashMap<>();
    private long totalBytes;

    /** One cached script: its text, and (locally) its compiled form. */
    public static final class Script {
        private final String sha;
        private final byte[] body;
        private Object compiled;

        Script(String sha, byte[] body) {
            this.sha = sha;
            this.body = body;
        }

        public String sha() {
            return sha;
        }

        public byte[] body() {
            return body;
        }

        /** The compiled form a previous run left here, or null (never replicated: recompiled after a restore). */
        public Object compiled() {
            return compiled;
        }

        public void compiled(Object compiled) {
            this.compiled = compiled;
        }
    }

    /** The lowercase hex SHA1 of a script's bytes, as Redis names scripts. */
    public static String sha1Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }

    /** The script whose SHA1 is {@code sha} (any case), or null. */
    public Script get(byte[] sha) {
        return sha.length != 40 ? null : scripts.get(new String(sha, StandardCharsets.ISO_8859_1)
                .toLowerCase(java.util.Locale.ROOT));
    }

    /** The script named by the lowercase hex {@code sha}, or null. */
    public Script get(String sha) {
        return scripts.get(sha);
    }

    /**
     * Adds a script (a script already there stays as it is) and returns it.
     *
     * @throws IllegalStateException with a message for the client if the cache is full
     */
    public Script add(String sha, byte[] body) {
        Script present = scripts.get(sha);
        if (present != null) {
            return present;
        }
        if (scripts.size() >= MAX_SCRIPTS || totalBytes + body.length > MAX_TOTAL_BYTES) {
            throw new IllegalStateException("the script cache is full (at most " + MAX_SCRIPTS + " scripts and "
                    + (MAX_TOTAL_BYTES >> 20) + " MiB of script text); SCRIPT FLUSH empties it");
        }
        Script script = new Script(sha, body);
        scripts.put(sha, script);
        totalBytes += body.length;
        return script;
    }

    /** True if {@link #add} would take a new script of this size. */
    public boolean hasRoomFor(int bytes) {
        return scripts.size() < MAX_SCRIPTS && totalBytes + bytes <= MAX_TOTAL_BYTES;
    }

    public void flush() {
        scripts.clear();
        totalBytes = 0;
    }

    public int size() {
        return scripts.size();
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** The script bodies in the order they were added (for snapshots). */
    public List<byte[]> bodies() {
        List<byte[]> bodies = new ArrayList<>(scripts.size());
        for (Script script : scripts.values()) {
            bodies.add(script.body);
        }
        return bodies;
    }

    /**
     * Replaces the whole cache with these bodies, in this order (a snapshot's), whatever the bounds: a restore
     * reproduces the state the snapshot was taken of.
     */
    public void replace(List<byte[]> bodies) {
        flush();
        for (byte[] body : bodies) {
            String sha = sha1Hex(body);
            if (scripts.putIfAbsent(sha, new Script(sha, body)) == null) {
                totalBytes += body.length;
            }
        }
    }
}
