package io.caucus.kv.cli;

import io.caucus.core.NodeId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code caucus leader transfer --to ID}: hand leadership to a voter (thesis §3.10). */
@Command(name = "leader", mixinStandardHelpOptions = true, description = "Leadership operations.",
        subcommands = LeaderCommand.Transfer.class)
final class LeaderCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = "Hand leadership to a voter; waits until it leads.")
    static final class Transfer implements Callable<Integer> {
        @Option(names = "--to", required = true, description = "The voter to lead.")
        String to;
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return MemberCommand.print(spec, target.client().send("POST", "/leader/transfer?to="
                    + NodeId.of(to).value(), ""));
        }
    }
}
