package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.config.ConfigLoader;
import io.caucus.kv.shard.ShardLayout;
import io.caucus.kv.slots.KeySlot;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The keys of a sharded run: each family in one slot (its multi-key operations are legal in Redis Cluster), and the
 * families spread over as many data groups as the slot layout the servers use allows, up to five.
 */
class ShardedKeysTest {

    private static final List<List<String>> FAMILIES = List.of(ChaosOptions.SHARDED_REGISTER_KEYS,
            ChaosOptions.SHARDED_APPEND_KEYS, ChaosOptions.SHARDED_COUNTER_KEYS, ChaosOptions.SHARDED_PAIR_KEYS,
            ChaosOptions.SHARDED_ACCOUNT_KEYS);

    private static int slot(String key) {
        return KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eachFamilyHashesToOneSlotAndNoTwoFamiliesShareOne() {
        Set<Integer> familySlots = new HashSet<>();
        for (List<String> family : FAMILIES) {
            assertThat(family.stream().map(ShardedKeysTest::slot).distinct()).as("slots of %s", family).hasSize(1);
            familySlots.add(slot(family.getFirst()));
        }
        assertThat(familySlots).hasSize(FAMILIES.size());
    }

    @Test
    void theFamiliesLandInAsManyGroupsAsThereAreUpToFive() {
        for (int shards = 1; shards <= 32; shards++) {
            List<SlotRange> ranges = SlotMap.evenRanges(shards);
            Set<Integer> groups = new HashSet<>();
            for (List<String> family : FAMILIES) {
                int slot = slot(family.getFirst());
                groups.add(IntStream.range(0, ranges.size())
                        .filter(i -> ranges.get(i).start() <= slot && slot <= ranges.get(i).end())
                        .findFirst().orElseThrow());
            }
            assertThat(groups).as("data groups of the families with %d shards", shards)
                    .hasSize(Math.min(shards, FAMILIES.size()));
        }
    }

    /** The same through the servers' own code: the cluster file chaos writes, read as a node reads it. */
    @Test
    void withSixteenShardsTheServersLayoutPutsTheFamiliesInFiveGroups() {
        String yaml = """
                nodes:
                  - id: n1
                    raft: 127.0.0.1:7001
                    client: 127.0.0.1:6001
                    http: 127.0.0.1:8001
                  - id: n2
                    raft: 127.0.0.1:7002
                    client: 127.0.0.1:6002
                    http: 127.0.0.1:8002
                  - id: n3
                    raft: 127.0.0.1:7003
                    client: 127.0.0.1:6003
                    http: 127.0.0.1:8003
                shards: 16
                """;
        SlotMap map = ShardLayout.of(ConfigLoader.parse(Path.of("cluster.yaml"), yaml)).initialMap();
        Set<Long> groups = new HashSet<>();
        for (List<String> family : FAMILIES) {
            for (String key : family) {
                groups.add(map.groupOf(slot(key)).orElseThrow());
            }
        }
        assertThat(groups).hasSize(5).allMatch(ShardLayout::isDataGroup);
    }
}
