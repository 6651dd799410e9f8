package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DictTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Dict<Integer> filled(int count) {
        Dict<Integer> dict = new Dict<>();
        for (int i = 0; i < count; i++) {
            dict.put(b("key:" + i), i);
        }
        return dict;
    }

    @Test
    void putGetRemoveAndSizeThroughGrowthAndShrinking() {
        Dict<Integer> dict = filled(10_000);
        assertThat(dict.size()).isEqualTo(10_000);
        assertThat(dict.get(b("key:1234"))).isEqualTo(1234);
        assertThat(dict.put(b("key:1234"), -1).value()).isEqualTo(-1);
        assertThat(dict.size()).isEqualTo(10_000);
        for (int i = 0; i < 9_990; i++) {
            assertThat(dict.remove(b("key:" + i))).isNotNull();
        }
        assertThat(dict.remove(b("key:0"))).isNull();
        assertThat(dict.size()).isEqualTo(10);
        assertThat(dict.get(b("key:9995"))).isEqualTo(9995);
        assertThat(dict.get(b("missing"))).isNull();
    }

    @Test
    void aFullScanReturnsEveryKeyOnce() {
        Dict<Integer> dict = filled(1_000);
        List<String> seen = new ArrayList<>();
        long cursor = 0;
        do {
            cursor = dict.scan(cursor, e -> seen.add(new String(e.key(), StandardCharsets.UTF_8)));
        } while (cursor != 0);
        assertThat(seen).hasSize(1_000).doesNotHaveDuplicates();
    }

    @Test
    void aScanReturnsEveryKeyPresentThroughoutEvenWhenTheTableGrowsAndShrinksBetweenSteps() {
        Dict<Integer> dict = filled(500);
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int step = 0;
        do {
            cursor = dict.scan(cursor, e -> seen.add(new String(e.key(), StandardCharsets.UTF_8)));
            step++;
            if (step == 20) {
                for (int i = 500; i < 5_000; i++) { // grow well past the table's size
                    dict.put(b("key:" + i), i);
                }
            }
            if (step == 200) {
                for (int i = 500; i < 5_000; i++) { // and shrink back
                    dict.remove(b("key:" + i));
                }
            }
        } while (cursor != 0);
        for (int i = 0; i < 500; i++) {
            assertThat(seen).contains("key:" + i);
        }
    }

    @Test
    void aCursorFromOneTableIsValidOnACopyOfAnotherSize() {
        Dict<Integer> big = filled(2_000);
        for (int i = 100; i < 2_000; i++) {
            big.remove(b("key:" + i));
        }
        big.put(b("key:0"), 0);
        Dict<Integer> fresh = filled(100); // same keys, built without the history: another table size
        Set<String> seen = new HashSet<>();
        long cursor = big.scan(0, e -> seen.add(new String(e.key(), StandardCharsets.UTF_8)));
        while (cursor != 0) {
            cursor = fresh.scan(cursor, e -> seen.add(new String(e.key(), StandardCharsets.UTF_8)));
        }
        assertThat(seen).hasSize(100);
    }

    @Test
    void nearPicksTheSameKeyWhateverTheTableHistory() {
        Dict<Integer> grown = filled(5_000);
        for (int i = 50; i < 5_000; i++) {
            grown.remove(b("key:" + i));
        }
        Dict<Integer> fresh = filled(50);
        Set<String> picked = new HashSet<>();
        for (int point = -1_000_000_000; point < 1_000_000_000; point += 7_777_777) {
            String a = new String(grown.near(point).key(), StandardCharsets.UTF_8);
            String b = new String(fresh.near(point).key(), StandardCharsets.UTF_8);
            assertThat(a).isEqualTo(b);
            picked.add(a);
        }
        assertThat(picked).hasSizeGreaterThan(30); // the points spread over the keys
        assertThat(new Dict<Integer>().near(42)).isNull();
    }

    @Test
    void sortedEntriesAreInOneOrderForEveryTableHistory() {
        Dict<Integer> grown = filled(3_000);
        for (int i = 20; i < 3_000; i++) {
            grown.remove(b("key:" + i));
        }
        List<String> a = grown.sortedEntries().stream().map(e -> new String(e.key(), StandardCharsets.UTF_8)).toList();
        List<String> b = filled(20).sortedEntries().stream()
                .map(e -> new String(e.key(), StandardCharsets.UTF_8)).toList();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void theHashIsFixed() {
        // Part of the replicated semantics (SCAN cursors, seeded picks): a change must be deliberate.
        assertThat(Dict.hash(new byte[0])).isEqualTo(Dict.hash(new byte[0]));
        assertThat(Dict.hash(b("caucus"))).isEqualTo(-148_256_693);
    }
}
