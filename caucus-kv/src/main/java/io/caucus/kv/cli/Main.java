package io.caucus.kv.cli;

import io.caucus.kv.config.ConfigException;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code caucus} command: {@code server}, {@code demo}, {@code status}, {@code member}, {@code leader} and
 * {@code snapshot}, plus any subcommand a {@link SubcommandProvider} on the class path contributes (e.g.
 * {@code chaos}, from caucus-chaos, which depends on this module and so cannot be named here).
 */
@Command(name = "caucus", mixinStandardHelpOptions = true, version = "caucus 0.1.0",
        description = "Caucus: a replicated key-value store on Raft that speaks the Redis protocol.",
        subcommands = {ServerCommand.class, DemoCommand.class, StatusCommand.class, MemberCommand.class,
                LeaderCommand.class, SnapshotCommand.class, BackupCommand.class, RestoreCommand.class,
                RecoverCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with every subcommand, built-in and contributed; public for contributors' tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        for (SubcommandProvider provider : ServiceLoader.load(SubcommandProvider.class)) {
            commandLine.addSubcommand(provider.command());
        }
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            if (exception instanceof ConfigException) {
                line.getErr().println("caucus: " + exception.getMessage());
                return 2;
            }
            if (exception instanceof java.io.UncheckedIOException || exception instanceof IllegalArgumentException
                    || exception instanceof IllegalStateException) {
                // Could not start (port in use, data directory unusable, option refused by the runtime).
                line.getErr().println("caucus: " + exception.getMessage());
                return 1;
            }
            throw exception;
        });
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
