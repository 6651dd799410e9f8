package io.caucus.kv.cli;

import io.caucus.kv.admin.AdminClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code caucus slots remove-node NODE}: removes a node from a sharded cluster, for good. Records the removal
 * ({@code POST /slots/nodes/remove}), moves the node's replicas to the other nodes round after round as
 * {@code caucus rebalance --replicas} does ({@link ReplicaRounds}), then waits until the metadata group's leader has
 * taken it out of the metadata group ({@code GET /slots/nodes} lists it no longer among {@code metadataMembers}). Run again,
 * it goes on where it stopped.
 */
@Command(name = "remove-node", mixinStandardHelpOptions = true,
        description = "Remove a node from a sharded cluster for good: its data groups' replicas move to the other "
                + "nodes (round after round, as 'caucus rebalance --replicas' moves them), then it leaves the "
                + "metadata group, and it can be stopped. It may be down already. Refused if some replica of it "
                + "could go to no other node. Run again, it goes on where it stopped.")
final class RemoveNodeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NODE", description = "The id of the node to remove.")
    String node;
    @Option(names = "--dry-run", description = "Check that the node can be removed and print the first round of "
            + "replica moves; change nothing.")
    boolean dryRun;
    @Mixin
    SlotsCommand.WaitOptions waiting;
    @Mixin
    AdminTarget target;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        AdminClient client = target.client();
        AdminClient.Reply removing = client.send("POST", "/slots/nodes/remove?node=" + node
                + (dryRun ? "&dry-run=true" : ""), "");
        if (!removing.ok()) {
            return AdminTarget.failed(spec, removing);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun) {
            out.printf("%s can be removed; the first round would be:%n", node);
            out.flush();
            new ReplicaRounds(spec, client, true, true, 0).show(removing.body());
            return 0;
        }
        out.printf("%s is removed from the cluster: its replicas move to the other nodes, then it leaves the "
                + "metadata group%n", node);
        out.flush();
        // Not the removed node's own admin port, if that is what answered: once out of the metadata group it sees no
        // more of the map.
        AdminClient answering = client.preferring(removing.body().get("askHttp") instanceof String other ? other
                : removing.from());
        int rounds = new ReplicaRounds(spec, answering, false, waiting.noWait, waiting.waitSeconds).run();
        if (rounds != 0 || waiting.noWait) {
            return rounds;
        }
        return awaitGone(answering);
    }

    /**
     * Polls {@code GET /slots} until the node holds no replica and is no member of the metadata group (0); 1 if it
     * still holds replicas that no round moves (no other node can take them); 2 if the wait runs out.
     */
    private int awaitGone(AdminClient client) {
        PrintWriter out = spec.commandLine().getOut();
        long deadline = System.nanoTime() + waiting.waitSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            AdminClient.Reply map = client.send("GET", "/slots", "");
            if (map.ok()) {
                List<String> held = groupsHeld(map.body());
                boolean moving = SlotsCommand.list(map.body().get("replicaMoves")).stream()
                        .anyMatch(move -> move instanceof Map<?, ?> m && (node.equals(m.get("from"))
                                || node.equals(m.get("to"))));
                if (!held.isEmpty() && !moving) {
                    spec.commandLine().getErr().printf("caucus: %s still holds a replica of group%s %s, which no other "
                            + "node can take (each holds the group or left it): add a node to the cluster, then run "
                            + "'caucus rebalance --replicas'%n", node, held.size() == 1 ? "" : "s",
                            String.join(", ", held));
                    spec.commandLine().getErr().flush();
                    return 1;
                }
                if (held.isEmpty() && !metadataMember(client)) {
                    out.printf("%s holds no replica and has left the metadata group: stop it, and delete it from "
                            + "every node's cluster file%n", node);
                    out.flush();
                    return 0;
                }
            }
            LockSupport.parkNanos(200_000_000L); // an operator's poll, not a test's
        }
        spec.commandLine().getErr().printf("caucus: %s has not left the metadata group after %d s: see 'caucus "
                + "slots'%n", node, waiting.waitSeconds);
        spec.commandLine().getErr().flush();
        return 2;
    }

    /** Whether the metadata group's leader still has the node among its group's members (true if unknown). */
    private boolean metadataMember(AdminClient client) {
        AdminClient.Reply nodes = client.send("GET", "/slots/nodes", "");
        return !nodes.ok() || SlotsCommand.list(nodes.body().get("metadataMembers")).contains(node);
    }

    /** The groups whose replicas {@code GET /slots} lists the node among. */
    private List<String> groupsHeld(Map<String, Object> map) {
        return map.get("groups") instanceof Map<?, ?> groups ? groups.entrySet().stream()
                .filter(group -> SlotsCommand.list(group.getValue()).contains(node))
                .map(group -> String.valueOf(group.getKey())).toList() : List.of();
    }
}
