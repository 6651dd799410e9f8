package io.caucus.kv.cli;

import ch.qos.logback.classic.Level;
import io.caucus.kv.config.ConfigException;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code caucus} command: {@code server}, {@code demo}, {@code status}, {@code member}, {@code leader} and
 * {@code snapshot}, plus any subcommand a {@link SubcommandProvider} on the class path contributes (e.g.
 * {@code chaos}, from caucus-chaos, which depends on this module and so cannot be named here).
 */
@Command(name = "caucus", mixinStandardHelpOptions = true, version = "caucus 0.1.0",
        description = "Caucus: a replicated key-value store on Raft that speaks the Redis protocol.",
        subcommands = {ServerCommand.class, DemoCommand.class, StatusCommand.class, MemberCommand.class,
                LeaderCommand.class, SnapshotCommand.class, BackupCommand.class, RestoreCommand.class,
                RecoverCommand.class, TrainCommand.class, SlotsCommand.class, RebalanceCommand.class})
public final class Main implements Runnable {

    /** The levels {@code --log-level} takes, named as Logback names them. */
    enum LogLevel { ERROR, WARN, INFO, DEBUG, TRACE }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--log-format", scope = ScopeType.INHERIT, defaultValue = "text", paramLabel = "text|json",
            description = "Log lines (on standard error) as text or as JSON objects, one per line. Default: text.")
    LogSetup.Format logFormat;

    @Option(names = "--log-level", scope = ScopeType.INHERIT, defaultValue = "info",
            paramLabel = "error|warn|info|debug|trace",
            description = "The least severe of Caucus's own log events that is written; other libraries write "
                    + "only warnings and errors. Default: info.")
    LogLevel logLevel;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with every subcommand, built-in and contributed; public for contributors' tests. */
    public static CommandLine commandLine() {
        Main main = new Main();
        CommandLine commandLine = new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true);
        for (SubcommandProvider provider : ServiceLoader.load(SubcommandProvider.class)) {
            commandLine.addSubcommand(provider.command());
        }
        commandLine.setExecutionStrategy(parseResult -> {
            // Before any command runs, so that its first line is already in the chosen form.
            LogSetup.configure(main.logFormat, Level.toLevel(main.logLevel.name()));
            return new CommandLine.RunLast().execute(parseResult);
        });
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
