package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.admin.AdminJson;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * When {@code caucus slots move-replica} takes a {@code GET /slots} answer for the move done: the maps a node may
 * answer with while group 2's replica moves from n1 to n4, including one that has not applied the move's recording
 * yet.
 */
class SlotsCommandTest {

    private static final NodeId N4 = NodeId.of("n4");

    private static Map<String, Object> slots(String json) {
        return AdminJson.parseObject(json);
    }

    @Test
    void aMapThatHasNotAppliedTheRecordingYetListsNoMoveButIsNotDone() {
        assertThat(SlotsCommand.replicaMoved(slots("""
                {"groups":{"2":["n1","n2","n3"]},"replicaMoves":[],"retired":{}}"""), 2, N4)).isFalse();
    }

    @Test
    void aMoveOfTheGroupListedIsNotDoneEvenWithTheNewNodeAmongTheReplicas() {
        assertThat(SlotsCommand.replicaMoved(slots("""
                {"groups":{"2":["n1","n2","n3"]},"replicaMoves":[{"group":2,"from":"n1","to":"n4"}],"retired":{}}"""),
                2, N4)).isFalse();
        assertThat(SlotsCommand.replicaMoved(slots("""
                {"groups":{"2":["n4","n2","n3"]},"replicaMoves":[{"group":2,"from":"n1","to":"n4"}],"retired":{}}"""),
                2, N4)).isFalse();
    }

    @Test
    void theNewNodeAmongTheReplicasWithNoMoveListedIsDone() {
        assertThat(SlotsCommand.replicaMoved(slots("""
                {"groups":{"2":["n4","n2","n3"]},"replicaMoves":[{"group":3,"from":"n1","to":"n4"}],
                 "retired":{"2":["n1"]}}"""), 2, N4)).isTrue();
    }

    @Test
    void theNewNodeRetiredByALaterMoveIsDoneToo() {
        assertThat(SlotsCommand.replicaMoved(slots("""
                {"groups":{"2":["n5","n2","n3"]},"replicaMoves":[],"retired":{"2":["n1","n4"]}}"""), 2, N4))
                .isTrue();
    }
}
