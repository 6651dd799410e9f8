package io.caucus.storage.multi;

import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.SimulatedDisk;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import static io.caucus.storage.multi.SharedWalTest.CONFIGURATION;
import static io.caucus.storage.multi.SharedWalTest.DIRECTORY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random interleavings of appends, truncations (never of a committed entry), compactions, snapshot installs, hard
 * states, group removals, syncs and crashes across groups (a removed group's id comes back empty), on small segments so that rollovers and segment deletions happen often. A crash keeps a random
 * prefix of what was not synced (torn last write included), so the reopened WAL must equal the model's state
 * after some record written between the last sync and the crash, and never anything older than the sync.
 */
class SharedWalPropertyTest {

    private static final int GROUPS = 3;

    /** A group's state as the model keeps it. */
    record GroupModel(long baseIndex, long baseTerm, TreeMap<Long, LogEntry> entries, HardState hardState) {

        static GroupModel empty() {
            return new GroupModel(0, 0, new TreeMap<>(), HardState.INITIAL);
        }

        long lastIndex() {
            return entries.isEmpty() ? baseIndex : entries.lastKey();
        }

        /** The first index a truncation may remove: neither compacted nor committed (Raft paper §5.3). */
        long firstChangeable() {
            return Math.max(baseIndex, hardState.commitIndex()) + 1;
        }

        long term(long index) {
            return index == baseIndex ? baseTerm : entries.get(index).term();
        }

        static GroupModel of(GroupLog log) {
            TreeMap<Long, LogEntry> entries = new TreeMap<>();
            for (LogEntry entry : log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE)) {
                entries.put(entry.index(), entry);
            }
            return new GroupModel(log.firstIndex() - 1, log.snapshot().lastIncludedTerm(), entries, log.hardState());
        }
    }

    @Property(tries = 200)
    void reopenedWalHoldsASyncedOrLaterState(@ForAll long seed, @ForAll @IntRange(min = 20, max = 150) int steps) {
        Random random = new Random(seed);
        SimulatedDisk disk = new SimulatedDisk();
        // Preallocation off, or on while rounds stay under 256 or 512 bytes: zeros ahead are overwritten by records,
        // and a crash may keep any prefix of both. Rewriting off, or when an old segment's held entries are under
        // 40% or 80% of its bytes: copies of entries appear beside their originals, and a crash may cut them short.
        SharedWalOptions options = new SharedWalOptions(200 + random.nextInt(600), random.nextInt(3) * 4096,
                random.nextInt(3) * 0.4);
        SharedWal wal = SharedWal.open(disk, DIRECTORY, options);
        List<GroupModel> model = new ArrayList<>();
        for (int group = 0; group < GROUPS; group++) {
            model.add(GroupModel.empty());
        }
        List<List<GroupModel>> sinceSync = new ArrayList<>();
        sinceSync.add(copy(model));
        long term = 1;
        for (int step = 0; step < steps; step++) {
            int group = random.nextInt(GROUPS);
            GroupLog log = wal.group(group, CONFIGURATION);
            GroupModel state = model.get(group);
            int action = random.nextInt(20);
            if (action < 9) {
                term += random.nextInt(4) == 0 ? 1 : 0;
                long from = state.firstChangeable() + random.nextInt((int) (state.lastIndex()
                        - state.firstChangeable()) + 2);
                List<LogEntry> entries = SharedWalTest.entries(term, from, from + random.nextInt(3));
                log.append(entries);
                state.entries().tailMap(from, true).clear();
                for (LogEntry entry : entries) {
                    // A torn write may keep some of a batch's records: each prefix is a state a crash can leave.
                    state.entries().put(entry.index(), entry);
                    sinceSync.add(copy(model));
                }
            } else if (action < 11 && state.lastIndex() >= state.firstChangeable()) {
                long from = state.firstChangeable() + random.nextInt((int) (state.lastIndex()
                        - state.firstChangeable()) + 1);
                log.truncateSuffix(from);
                state.entries().tailMap(from, true).clear();
            } else if (action < 13 && state.lastIndex() > state.baseIndex()) {
                long at = state.baseIndex() + 1 + random.nextInt((int) (state.lastIndex() - state.baseIndex()));
                long atTerm = state.term(at);
                log.installSnapshot(new SnapshotMetadata(at, atTerm, CONFIGURATION));
                state.entries().headMap(at, true).clear();
                model.set(group, new GroupModel(at, atTerm, state.entries(), state.hardState()));
            } else if (action < 14) {
                long at = state.lastIndex() + 1 + random.nextInt(3);
                log.installSnapshot(new SnapshotMetadata(at, term, CONFIGURATION));
                model.set(group, new GroupModel(at, term, new TreeMap<>(), state.hardState()));
            } else if (action < 15) {
                HardState hard = new HardState(term, random.nextBoolean() ? NodeId.of("n" + (group + 1)) : null,
                        random.nextInt((int) state.lastIndex() + 1));
                log.writeHardState(hard);
                model.set(group, new GroupModel(state.baseIndex(), state.baseTerm(), state.entries(), hard));
            } else if (action < 16) {
                wal.removeGroup(group);
                model.set(group, GroupModel.empty());
            } else if (action < 19) {

                wal.sync();
                sinceSync.clear();
            } else {
                disk.crash(random.nextBoolean() ? random : null);
                wal = SharedWal.open(disk, DIRECTORY, options);
                List<GroupModel> recovered = recovered(wal);
                assertThat(sinceSync).as("the reopened WAL equals a state written after the last sync")
                        .contains(recovered);
                model = recovered;
                sinceSync.clear();
                sinceSync.add(copy(model));
                continue;
            }
            sinceSync.add(copy(model));
            assertThat(recovered(wal)).as("what the WAL reads back").isEqualTo(model);
        }
    }

    private static List<GroupModel> recovered(SharedWal wal) {
        List<GroupModel> groups = new ArrayList<>();
        for (int group = 0; group < GROUPS; group++) {
            groups.add(GroupModel.of(wal.group(group, CONFIGURATION)));
        }
        return groups;
    }

    private static List<GroupModel> copy(List<GroupModel> model) {
        List<GroupModel> copy = new ArrayList<>();
        for (GroupModel group : model) {
            copy.add(new GroupModel(group.baseIndex(), group.baseTerm(), new TreeMap<>(group.entries()),
                    group.hardState()));
        }
        return copy;
    }
}
