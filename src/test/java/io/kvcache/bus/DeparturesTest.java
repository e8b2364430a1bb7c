package io.kvcache.bus;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.*;

class DeparturesTest {
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  private final Departures departures = new Departures(members::contains);

  @Test
  void aCallWaitingOnANodeFailsWhenItLeavesAndItsLateResultGoesToTheDiscard() {
    members.add("n");
    Promise<String> call = Promise.promise();
    List<String> discarded = new ArrayList<>();
    Future<String> guarded = departures.guard("n", call.future(), discarded::add);
    members.remove("n");
    departures.left("n");
    assertTrue(guarded.failed());
    assertInstanceOf(Departures.Departed.class, guarded.cause());
    call.complete("bytes");
    assertEquals(List.of("bytes"), discarded, "nobody takes the late result: it is released");
  }

  @Test
  void aResultInTimeIsTheCallersAndACallToAGoneNodeFailsAtOnce() {
    members.add("n");
    Promise<String> call = Promise.promise();
    List<String> discarded = new ArrayList<>();
    Future<String> guarded = departures.guard("n", call.future(), discarded::add);
    call.complete("bytes");
    assertEquals("bytes", guarded.result());
    members.remove("n");
    departures.left("n");
    assertEquals(List.of(), discarded);

    Promise<String> late = Promise.promise();
    Future<String> refused = departures.guard("n", late.future(), discarded::add);
    assertTrue(refused.failed(), "the node is gone: no waiting");
    late.complete("more");
    assertEquals(List.of("more"), discarded);

    members.add("n"); // back after a merge
    Promise<String> again = Promise.promise();
    Future<String> guardedAgain = departures.guard("n", again.future(), discarded::add);
    again.complete("ok");
    assertEquals("ok", guardedAgain.result());
  }
}
