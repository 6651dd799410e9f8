package io.caucus.kv.cli;

import io.caucus.kv.admin.AdminClient;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code caucus snapshot}: every node named (one with --http, each node of --config) snapshots its state machine
 * now and compacts its log (Raft paper §7). Each node keeps its own snapshots, so each is asked on its own.
 * Exit code 0 if all succeeded, 1 if any failed, 3 if any outcome is unknown.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Take a snapshot now on one node (--http) or on every node (--config), and compact the log.")
final class SnapshotCommand implements Callable<Integer> {

    @Mixin
    AdminTarget target;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int exit = 0;
        for (InetSocketAddress node : target.nodes()) {
            AdminClient.Reply reply;
            try {
                reply = new AdminClient(List.of(node), target.timeout(), target.connection()).send("POST", "/snapshot", "");
            } catch (IllegalStateException unreachable) {
                err.println("caucus: " + unreachable.getMessage());
                exit = Math.max(exit, 1);
                continue;
            }
            if (reply.ok()) {
                out.printf("%s: snapshot at index %s, term %s%n", reply.body().get("node"), reply.body().get("index"),
                        reply.body().get("term"));
            } else {
                exit = Math.max(exit, AdminTarget.failed(spec, reply));
            }
        }
        out.flush();
        err.flush();
        return exit;
    }
}
