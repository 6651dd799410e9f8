package io.caucus.server;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationCodec;
import io.caucus.core.EntryType;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.MemberAddresses;
import io.caucus.core.NodeId;
import io.caucus.server.internal.BootstrapConfiguration;
import io.caucus.storage.DurableLog;
import io.caucus.storage.RealDisk;
import io.caucus.storage.StorageOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The last resort when a majority of the voters is lost for good (their disks gone): one survivor is turned, while
 * stopped, into a single-voter cluster from its own log, as etcd's {@code --force-new-cluster} and hashicorp/raft's
 * {@code RecoverCluster} do. It steps outside Raft's guarantees, which is why it is a separate, offline step:
 * <ul>
 *   <li>every entry in the survivor's log becomes committed, including entries the old cluster never committed
 *       (their clients were told "outcome unknown", or nothing): they now take effect;</li>
 *   <li>writes the old cluster committed that this survivor had not received are lost: pick the survivor with
 *       the highest last index (term first) among those left;</li>
 *   <li>any other old member that comes back must not rejoin with its old data: wipe it and add it as a new member.</li>
 * </ul>
 * How: one configuration entry naming the survivor as the only voter is appended after its log, in a new term
 * (thesis §4.1: a server uses the latest configuration in its log, committed or not), and the hard state commits
 * everything up to it. When the node starts it elects itself and serves; grow the cluster again with learners.
 */
public final class ForcedRecovery {

    /** What the recovery did: the entry it appended and how many entries it committed that were not before. */
    public record Outcome(long configurationIndex, long term, long previouslyCommitted, long lastIndexBefore) {
    }

    private static final long READ_BATCH_BYTES = 4L << 20;

    private ForcedRecovery() {
    }

    /**
     * Makes the stopped node {@code self}, whose data is in {@code dataDirectory}, the only voter of a new cluster.
     *
     * @throws IllegalStateException if the directory holds no node data
     * @throws io.caucus.storage.StorageFailedException on a disk error (nothing is changed unless the sync passed)
     */
    public static Outcome forceNewCluster(Path dataDirectory, NodeId self) {
        if (!Files.exists(dataDirectory.resolve("wal"))) {
            throw new IllegalStateException(dataDirectory + " holds no node data (no wal directory): nothing to "
                    + "recover from");
        }
        ClusterConfiguration bootstrap = BootstrapConfiguration.loadOrRecord(dataDirectory,
                ClusterConfiguration.ofVoters(Set.of(self)));
        DurableLog.Opened opened = DurableLog.open(RealDisk.INSTANCE, dataDirectory, StorageOptions.DEFAULTS,
                bootstrap);
        try (DurableLog log = opened.log()) {
            HardState before = opened.hardState();
            long lastIndex = log.lastIndex();
            ClusterConfiguration single = singleVoter(self, latestConfiguration(log));
            // A term no old member has used: nothing it sent can be taken for this new history's.
            long term = Math.max(before.term(), log.term(lastIndex)) + 1;
            long index = lastIndex + 1;
            log.append(List.of(new LogEntry(term, index, EntryType.CONFIGURATION, ConfigurationCodec.encode(single))));
            log.writeHardState(new HardState(term, self, index));
            log.sync();
            return new Outcome(index, term, before.commitIndex(), lastIndex);
        }
    }

    /**
     * The survivor alone, keeping the addresses the old configuration recorded for it, so that members added later
     * learn from the log where to dial it (thesis §4.1: the log, not a file, says who the members are).
     */
    private static ClusterConfiguration singleVoter(NodeId self, ClusterConfiguration old) {
        ClusterConfiguration single = ClusterConfiguration.ofVoters(Set.of(self));
        MemberAddresses addresses = old.addresses().get(self);
        return addresses == null ? single : single.withAddresses(self, addresses);
    }

    /** The configuration the node would use: its log's last configuration entry, else its snapshot's. */
    private static ClusterConfiguration latestConfiguration(DurableLog log) {
        ClusterConfiguration latest = log.snapshot().configuration();
        long next = log.snapshot().lastIncludedIndex() + 1;
        while (next <= log.lastIndex()) {
            List<LogEntry> batch = log.entries(next, log.lastIndex() + 1, READ_BATCH_BYTES);
            for (LogEntry entry : batch) {
                if (entry.type() == EntryType.CONFIGURATION) {
                    latest = ConfigurationCodec.decode(entry.payload());
                }
            }
            next += batch.size();
        }
        return latest;
    }
}
