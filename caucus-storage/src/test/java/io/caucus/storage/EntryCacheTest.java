package io.caucus.storage;

import io.caucus.core.LogEntry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EntryCacheTest {

    private static LogEntry entry(long index) {
        return LogEntry.command(1, index, ("v" + index).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsARunEndingAtTheLastEntryAcrossGrowthAndWrapAround() {
        EntryCache cache = new EntryCache(Long.MAX_VALUE);
        for (long index = 1; index <= 3; index++) {
            cache.append(entry(index));
        }
        cache.dropThrough(2); // the ring's head moves, so growing next has to unwrap it
        for (long index = 4; index <= 100; index++) {
            cache.append(entry(index));
        }
        assertThat(cache.get(2)).isNull();
        for (long index = 3; index <= 100; index++) {
            assertThat(cache.get(index)).isEqualTo(entry(index));
        }
        assertThat(cache.get(101)).isNull();
    }

    @Test
    void evictsTheOldestPastItsBudget() {
        long entryBytes = entry(1).sizeBytes();
        EntryCache cache = new EntryCache(3 * entryBytes);
        for (long index = 1; index <= 5; index++) {
            cache.append(entry(index));
        }
        assertThat(cache.get(2)).isNull();
        assertThat(cache.get(3)).isEqualTo(entry(3));
        assertThat(cache.bytes()).isEqualTo(3 * entryBytes);
    }

    @Test
    void truncationDropsTheSuffixAndANonFollowingEntryStartsAgain() {
        EntryCache cache = new EntryCache(Long.MAX_VALUE);
        for (long index = 1; index <= 10; index++) {
            cache.append(entry(index));
        }
        cache.truncateFrom(6);
        assertThat(cache.get(6)).isNull();
        assertThat(cache.get(5)).isEqualTo(entry(5));

        cache.append(entry(20)); // not the next index: the run starts again from it
        assertThat(cache.get(5)).isNull();
        assertThat(cache.get(20)).isEqualTo(entry(20));
    }

    @Test
    void clearEmptiesItAndItFillsAgain() {
        EntryCache cache = new EntryCache(Long.MAX_VALUE);
        for (long index = 1; index <= 1000; index++) {
            cache.append(entry(index));
        }
        cache.clear();
        assertThat(cache.bytes()).isZero();
        assertThat(cache.get(1000)).isNull();
        for (long index = 1001; index <= 1010; index++) {
            cache.append(entry(index));
        }
        assertThat(cache.get(1001)).isEqualTo(entry(1001));
        assertThat(cache.get(1010)).isEqualTo(entry(1010));
    }
}
