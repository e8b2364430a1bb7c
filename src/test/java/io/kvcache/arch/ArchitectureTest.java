package io.kvcache.arch;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The house's floors, enforced: the domain (allocation, replicas, tasks, the DRAM segment, the SSD engine) imports no
 * Vert.x, no composition root, no event-bus protobufs and no role; roles never reach up into the composition root or
 * sideways into each other (a gateway may use the storage role's data transfer); and no two packages depend on each
 * other in a cycle.
 */
@AnalyzeClasses(packages = "io.kvcache", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  static final String[] DOMAIN = {"io.kvcache.alloc..", "io.kvcache.replica..", "io.kvcache.tasks..", "io.kvcache.ha..",
      "io.kvcache.segment..", "io.kvcache.ssd..", "io.kvcache.util.."};

  @ArchTest
  static final ArchRule domainIsFrameworkFree = noClasses().that().resideInAnyPackage(DOMAIN)
      .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.netty..", "com.hazelcast..",
          "io.kvcache.app..", "io.kvcache.proto.bus..", "io.kvcache.bus..", "io.kvcache.metadata..",
          "io.kvcache.cluster..", "io.kvcache.master..", "io.kvcache.storage..", "io.kvcache.gateway..",
          "io.kvcache.admin..")
      .because("domain code is plain Java: the roles adapt it to Vert.x and the event bus");

  @ArchTest
  static final ArchRule onlyTheCompositionRootKnowsTheCompositionRoot = noClasses()
      .that().resideOutsideOfPackage("io.kvcache.app..")
      .should().dependOnClassesThat().resideInAPackage("io.kvcache.app..")
      .because("app builds the roles and hands each verticle what it uses; nothing reaches back up into it");

  @ArchTest
  static final ArchRule rolesDoNotReachIntoEachOther = noClasses()
      .that().resideInAnyPackage("io.kvcache.master..", "io.kvcache.storage..")
      .should().dependOnClassesThat().resideInAnyPackage("io.kvcache.gateway..")
      .because("a gateway uses the master and the storage role, never the other way");

  @ArchTest
  static final ArchRule masterAndStorageAreApart = noClasses().that().resideInAPackage("io.kvcache.master..")
      .should().dependOnClassesThat().resideInAPackage("io.kvcache.storage..")
      .because("the master and storage nodes talk over the event bus only");

  @ArchTest
  static final ArchRule storageDoesNotUseTheMaster = noClasses().that().resideInAPackage("io.kvcache.storage..")
      .should().dependOnClassesThat().resideInAPackage("io.kvcache.master..")
      .because("the master and storage nodes talk over the event bus only");

  @ArchTest
  static final ArchRule sharedLayersStayBelowTheRoles = noClasses()
      .that().resideInAnyPackage("io.kvcache.bus..", "io.kvcache.metadata..", "io.kvcache.cluster..")
      .should().dependOnClassesThat().resideInAnyPackage("io.kvcache.master..", "io.kvcache.storage..",
          "io.kvcache.gateway..", "io.kvcache.admin..")
      .because("the bus codec, the metadata API and the cluster plumbing serve every role");

  @ArchTest
  static final ArchRule theClientStandsAlone = classes().that().resideInAPackage("io.kvcache.client..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("io.kvcache.client..", "io.kvcache.proto.v1..",
          "io.kvcache.proto.health..", "com.google.protobuf..", "io.vertx..", "java..", "")
      .because("engines embed the client: it speaks the public protocol (the generated kvstore.v1 protos) over Vert.x "
          + "and the JDK, and knows nothing of the server");

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("io.kvcache.(**)").should().beFreeOfCycles();
}
