package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.kv.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ChaosCommandTest {

    @Test
    void durationsTakeAUnit() {
        assertThat(ChaosCommand.parseDuration("60s")).isEqualTo(Duration.ofSeconds(60));
        assertThat(ChaosCommand.parseDuration("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(ChaosCommand.parseDuration("1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ChaosCommand.parseDuration("45")).isEqualTo(Duration.ofSeconds(45));
        assertThatThrownBy(() -> ChaosCommand.parseDuration("ten minutes"))
                .hasMessageContaining("--duration").hasMessageContaining("'ten minutes'");
    }

    @Test
    void faultListsAreParsedAndBadNamesRefused() {
        assertThat(FaultKind.parseList("kill,pause,partition,membership,move,replica,remove"))
                .isEqualTo(EnumSet.allOf(FaultKind.class));
        assertThat(FaultKind.parseList("membership")).containsExactly(FaultKind.MEMBERSHIP);
        assertThat(FaultKind.parseList(" Pause ")).containsExactly(FaultKind.PAUSE);
        assertThatThrownBy(() -> FaultKind.parseList("kill,flood"))
                .hasMessageContaining("unknown fault 'flood'").hasMessageContaining("kill, pause, partition");
    }

    @Test
    void chaosIsASubcommandOfCaucusThroughTheServiceLoader() {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        assertThat(commandLine.execute("chaos", "--help")).isZero();
        assertThat(out.toString()).contains("--duration").contains("--faults").contains("--seed")
                .contains("--shards, --groups").contains("follow MOVED");
    }

    @Test
    void shardsTakeHashtaggedKeysAndZeroKeepsThePlainOnes() {
        ChaosOptions plain = ChaosOptions.defaults(3, Duration.ofSeconds(1), EnumSet.of(FaultKind.KILL), 1,
                java.nio.file.Path.of("x"));
        ChaosOptions sharded = plain.withShards(16);
        assertThat(sharded.shards()).isEqualTo(16);
        assertThat(sharded.pairKeys()).containsExactly("t0{pair}", "t1{pair}");
        assertThat(sharded.allKeys()).allMatch(key -> key.matches("[a-z][0-9]\\{[a-z]+}"));
        assertThat(sharded.withShards(0).allKeys()).isEqualTo(plain.allKeys());
        assertThat(plain.sharded()).isFalse();
    }

    @Test
    void membershipFaultsAreRefusedInAShardedCluster() {
        assertThatThrownBy(() -> ChaosOptions.defaults(3, Duration.ofSeconds(1),
                EnumSet.of(FaultKind.KILL, FaultKind.MEMBERSHIP), 1, java.nio.file.Path.of("x")).withShards(8))
                .hasMessageContaining("--faults membership cannot run with --shards")
                .hasMessageContaining("not support membership changes yet");
        assertThatThrownBy(() -> ChaosOptions.defaults(3, Duration.ofSeconds(1), EnumSet.of(FaultKind.KILL), 1,
                java.nio.file.Path.of("x")).withShards(-1)).hasMessageContaining("--shards must be 0");
    }

    @Test
    void slotMovesNeedAShardedClusterOfTwoGroupsOrMore() {
        ChaosOptions moves = ChaosOptions.defaults(3, Duration.ofSeconds(1), EnumSet.of(FaultKind.KILL, FaultKind.MOVE),
                1, java.nio.file.Path.of("x"));
        assertThatThrownBy(moves::checkedForRun).hasMessageContaining("--faults move needs --shards 2 or more");
        assertThatThrownBy(moves.withShards(1)::checkedForRun).hasMessageContaining("--shards 2 or more");
        assertThat(moves.withShards(4).checkedForRun().faults()).contains(FaultKind.MOVE);
    }

    @Test
    void replicaMovesNeedAShardedClusterOfFourNodesOrMore() {
        ChaosOptions three = ChaosOptions.defaults(3, Duration.ofSeconds(1),
                EnumSet.of(FaultKind.KILL, FaultKind.REPLICA), 1, java.nio.file.Path.of("x"));
        assertThatThrownBy(three::checkedForRun).hasMessageContaining("--faults replica needs --shards and --nodes 4");
        assertThatThrownBy(three.withShards(8)::checkedForRun).hasMessageContaining("--nodes 4 or more");
        ChaosOptions five = ChaosOptions.defaults(5, Duration.ofSeconds(1),
                EnumSet.of(FaultKind.KILL, FaultKind.REPLICA), 1, java.nio.file.Path.of("x"));
        assertThatThrownBy(five::checkedForRun).hasMessageContaining("--shards");
        assertThat(five.withShards(8).checkedForRun().faults()).contains(FaultKind.REPLICA);
        assertThat(FaultKind.parseList("kill,replica")).containsExactlyInAnyOrder(FaultKind.KILL, FaultKind.REPLICA);
    }

    @Test
    void aNodeRemovalNeedsAShardedClusterOfFiveNodesAndAnotherFault() {
        ChaosOptions three = ChaosOptions.defaults(3, Duration.ofSeconds(1),
                EnumSet.of(FaultKind.KILL, FaultKind.REMOVE), 1, java.nio.file.Path.of("x"));
        assertThatThrownBy(three::checkedForRun).hasMessageContaining("--faults remove needs --shards and --nodes 5");
        assertThatThrownBy(three.withShards(16)::checkedForRun).hasMessageContaining("--nodes 5 or more");
        ChaosOptions five = ChaosOptions.defaults(5, Duration.ofSeconds(1),
                EnumSet.of(FaultKind.KILL, FaultKind.REMOVE), 1, java.nio.file.Path.of("x"));
        assertThatThrownBy(five::checkedForRun).hasMessageContaining("--shards");
        assertThat(five.withShards(16).checkedForRun().faults()).contains(FaultKind.REMOVE);
        assertThatThrownBy(ChaosOptions.defaults(5, Duration.ofSeconds(1), EnumSet.of(FaultKind.REMOVE), 1,
                java.nio.file.Path.of("x")).withShards(16)::checkedForRun)
                .hasMessageContaining("--faults remove needs another kind beside it");
        assertThat(FaultKind.parseList("kill,remove")).containsExactlyInAnyOrder(FaultKind.KILL, FaultKind.REMOVE);
        assertThatThrownBy(() -> FaultKind.parseList("kill,evict")).hasMessageContaining("replica, remove");
    }

    @Test
    void theRemoveFaultIsRefusedOnTheCommandLineWithoutFiveNodes() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        assertThat(commandLine.execute("chaos", "--shards", "16", "--faults", "kill,remove", "--duration", "1s"))
                .isNotZero();
        assertThat(err.toString()).contains("--faults remove needs --shards and --nodes 5");
    }

    @Test
    void theShardsOptionReachesTheRunOptions() {
        CommandLine commandLine = Main.commandLine();
        CommandLine.ParseResult parsed = commandLine.parseArgs("chaos", "--shards", "16", "--seed", "5");
        ChaosCommand chaos = (ChaosCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(chaos.shards).isEqualTo(16);
        assertThat(((ChaosCommand) Main.commandLine().parseArgs("chaos").subcommand().commandSpec().userObject())
                .shards).isZero();
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> ChaosOptions.defaults(4, Duration.ofSeconds(1), EnumSet.of(FaultKind.KILL), 1,
                java.nio.file.Path.of("x"))).hasMessageContaining("--nodes must be 3 or 5, got 4");
    }
}
