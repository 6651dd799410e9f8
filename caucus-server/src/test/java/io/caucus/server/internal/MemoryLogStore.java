package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.InMemoryLog;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test store kept in memory: it survives a node's close and reopen within one test (the "disk" is the
 * {@link Disk} object), so runtime behaviour can be tested without the file system. Writes are durable at once.
 */
final class MemoryLogStore implements LogStore {

    /** What survives a restart. */
    static final class Disk {
        final InMemoryLog log;
        volatile HardState hardState = HardState.INITIAL;

        Disk(ClusterConfiguration configuration) {
            this.log = new InMemoryLog(configuration);
        }
    }

    private final Disk disk;
    private final HardState recovered;
    private final AtomicLong writtenTicket = new AtomicLong();

    MemoryLogStore(Disk disk) {
        this.disk = disk;
        this.recovered = disk.hardState;
    }

    @Override
    public HardState recoveredHardState() {
        return recovered;
    }

    @Override
    public LogView log() {
        return disk.log;
    }

    @Override
    public long write(Persist persist) {
        if (persist.snapshot() != null) {
            disk.log.installSnapshot(persist.snapshot());
        }
        disk.log.append(persist.entries());
        if (persist.hardState() != null) {
            disk.hardState = persist.hardState();
        }
        return writtenTicket.incrementAndGet();
    }

    @Override
    public long sync() {
        return writtenTicket.get();
    }

    @Override
    public void close() {
    }
}
