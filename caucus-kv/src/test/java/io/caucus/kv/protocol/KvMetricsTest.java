package io.caucus.kv.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The replication series of {@code /metrics}, which the Grafana dashboard's lag panel reads. */
class KvMetricsTest {

    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters("n1", "n2", "n3");

    @Test
    void theLeaderRendersEachFollowersMatchIndexAndLag() {
        NodeStatus leader = new NodeStatus(NodeId.of("n1"), Role.LEADER, 3, NodeId.of("n1"), 90, 90, 100, THREE,
                Map.of(NodeId.of("n2"), new NodeStatus.FollowerStatus(100, 101, "replicate", true),
                        NodeId.of("n3"), new NodeStatus.FollowerStatus(60, 61, "probe", false)));
        String text = new KvMetrics().render(leader);
        assertThat(text).contains("caucus_follower_match_index{follower=\"n2\"} 100\n")
                .contains("caucus_follower_match_index{follower=\"n3\"} 60\n")
                .contains("caucus_follower_lag_entries{follower=\"n2\"} 0\n")
                .contains("caucus_follower_lag_entries{follower=\"n3\"} 40\n");
    }

    @Test
    void aFollowerDeclaresTheSeriesButHasNone() {
        NodeStatus follower = new NodeStatus(NodeId.of("n2"), Role.FOLLOWER, 3, NodeId.of("n1"), 90, 90, 100, THREE,
                Map.of());
        String text = new KvMetrics().render(follower);
        assertThat(text).contains("# TYPE caucus_follower_lag_entries gauge\n")
                .doesNotContain("caucus_follower_lag_entries{");
    }
}
