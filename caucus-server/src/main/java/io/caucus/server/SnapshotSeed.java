package io.caucus.server;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.server.internal.BootstrapConfiguration;
import io.caucus.storage.DurableLog;
import io.caucus.storage.RealDisk;
import io.caucus.storage.SnapshotWriter;
import io.caucus.storage.StorageOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Seeds an empty data directory with a state machine snapshot, so that a new cluster starts from a backup when
 * every node of the old one is lost. Seed every voter of the new cluster with the same snapshot and the same
 * voters: each log then starts right after the snapshot, as a log compacted to it would (Raft paper §7), in term
 * {@link #SEED_TERM} with the snapshot committed, and the first election goes on from there. The new cluster
 * shares nothing with the old one but the state machine's data; client sessions inside that data are the old
 * cluster's, which is harmless (a client of the old cluster cannot reach the new one with the same session).
 */
public final class SnapshotSeed {

    /** The term of the seeded snapshot: every seeded node must agree on it, and any positive term will do. */
    public static final long SEED_TERM = 1;

    private SnapshotSeed() {
    }

    /**
     * Writes {@code data} (a state machine snapshot's bytes, as {@link CaucusNode#openSnapshot} reads them) into
     * {@code dataDirectory} as the snapshot the node's log starts from, covering entries 1..{@code lastIncludedIndex},
     * with {@code voters} as the configuration; durable when this returns.
     *
     * @throws IllegalStateException if {@code dataDirectory} exists and is not empty (seeding over a node's data
     *                               would mix two clusters), or if the voters are empty or the index is not positive
     * @throws IOException           if {@code data} cannot be read
     * @throws io.caucus.storage.StorageFailedException on a disk error
     */
    public static SnapshotMetadata seed(Path dataDirectory, Set<NodeId> voters, long lastIncludedIndex,
                                        InputStream data) throws IOException {
        if (voters.isEmpty() || lastIncludedIndex <= 0) {
            throw new IllegalStateException("a seed needs at least one voter and a positive index, not " + voters
                    + " and " + lastIncludedIndex);
        }
        requireEmpty(dataDirectory);
        ClusterConfiguration configuration = ClusterConfiguration.ofVoters(voters);
        BootstrapConfiguration.loadOrRecord(dataDirectory, configuration);
        SnapshotMetadata seed = new SnapshotMetadata(lastIncludedIndex, SEED_TERM, configuration);
        DurableLog.Opened opened = DurableLog.open(RealDisk.INSTANCE, dataDirectory, StorageOptions.DEFAULTS,
                configuration);
        try (DurableLog log = opened.log()) {
            try (SnapshotWriter writer = log.snapshots().begin(seed)) {
                data.transferTo(writer);
                writer.commit();
            }
            log.installSnapshot(seed);
            log.writeHardState(new HardState(SEED_TERM, null, lastIncludedIndex));
            log.sync();
        }
        return seed;
    }

    private static void requireEmpty(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalStateException(directory + " is not empty: a seed goes only into a new node's "
                        + "data directory (move the old one away first)");
            }
        }
    }
}
