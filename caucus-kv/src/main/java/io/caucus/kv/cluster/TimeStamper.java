package io.caucus.kv.cluster;

import io.caucus.kv.state.EntryCodec;
import io.caucus.server.RequestPreparer;
import java.util.function.LongSupplier;

/**
 * The node's time on every write and read ({@link EntryCodec#stamp}), stamped by the node thread as it takes the
 * request into the core, so that stamps follow the order the node gives requests (see {@link RequestPreparer}): a
 * read is never stamped later than a write ordered after it. Stamped by the caller instead, a write stamped on one
 * client thread could reach the node after a read stamped later on another, be ordered after that read and still
 * run at the earlier time, and expiry would run backwards between them (docs/kv.md, "Time and expiry").
 *
 * <p>Only a leader's proposals are accepted, so only a leader's clock reaches the log (the state machine keeps time
 * from running backwards across leaders). A follower stamps the reads it serves itself with its own time
 * (docs/departures.md). Stamps never go backwards, even when the clock does (NTP steps it back).
 *
 * <p>One per node: the stamp it last gave is confined to that node's thread.
 */
public final class TimeStamper implements RequestPreparer {

    private final LongSupplier clock;
    private long lastStamp;

    /** Stamps with {@code clock}: milliseconds since the epoch. */
    public TimeStamper(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public byte[] command(byte[] command) {
        return EntryCodec.stamp(command, next());
    }

    @Override
    public byte[] query(byte[] query) {
        return EntryCodec.stamp(query, next());
    }

    private long next() {
        lastStamp = Math.max(lastStamp, clock.getAsLong());
        return lastStamp;
    }
}
