import AgentCore
import ArgumentParser
import Artifacts
import Logging
import Sandboxes

extension SandboxChoice: ExpressibleByArgument {}

/// Sandbox settings shared by `worker`, `run` and the console (which runs jobs here the way a worker does).
public struct SandboxOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(help: "The most a job's workspace checkpoint (and its kept files) may hold, in MB; files past it are left out and listed.")
    public var checkpointMaxMb: Int = CheckpointLimits.defaultMaxBytes >> 20

    @Option(help: "The most files a job's workspace checkpoint may hold.")
    public var checkpointMaxFiles: Int = CheckpointLimits.defaultMaxFiles

    @Option(help: "Wall-clock limit of a step that sets no timeout_s, in seconds.")
    public var stepTimeout: Double = 300

    @Option(help: "Memory limit of a step, in MB (address space).")
    public var memoryMb: Int = 1024

    @Option(help: "CPU time limit of a step, in seconds.")
    public var cpuSeconds: Int = 300

    @Option(help: "Process limit of a step.")
    public var processes: Int = 128

    @Option(help: "Output limit of a step, in bytes.")
    public var outputBytes: Int = 4 << 20

    @Option(help: "Disk limit of a step, in MB: the job's workspace and /tmp together.")
    public var diskMb: Int = 1024

    // A step may ask for less than the limits above, or for more up to these caps (default: the limit itself).
    @Option(help: "The most wall-clock time a step may ask for (timeout_s), in seconds (default: --step-timeout).")
    public var maxStepTimeout: Double?

    @Option(help: "The most memory a step may ask for, in MB (default: --memory-mb).")
    public var maxMemoryMb: Int?

    @Option(help: "The most CPU time a step may ask for, in seconds (default: --cpu-seconds).")
    public var maxCpuSeconds: Int?

    @Option(help: "The most processes a step may ask for (default: --processes).")
    public var maxProcesses: Int?

    @Option(help: "The most output a step may ask for, in bytes (default: --output-bytes).")
    public var maxOutputBytes: Int?

    @Option(help: "The most disk a step may ask for, in MB (default: --disk-mb).")
    public var maxDiskMb: Int?

    @Flag(help: "Let steps that ask for it (\"network\": true) reach the outside world, through a network of their own (slirp4netns) that cannot reach this host or its Redis.")
    public var allowNetwork = false

    @Option(help: "Where job workspaces are made (default $SWISSAGENT_WORKSPACES or the temporary directory).")
    public var workspaces: String = LocalSandboxConfig.defaultWorkspaceRoot

    @Option(help: "Sandbox for jobs that do not choose: local, e2b or auto (local when available).")
    public var defaultSandbox: SandboxChoice = .auto

    public func validate() throws {
        let limits: [(String, Double)] = [("--step-timeout", stepTimeout), ("--memory-mb", Double(memoryMb)),
                                          ("--cpu-seconds", Double(cpuSeconds)), ("--processes", Double(processes)),
                                          ("--output-bytes", Double(outputBytes)), ("--disk-mb", Double(diskMb))]
        for (flag, value) in limits where !(value > 0) { throw ValidationError("\(flag) must be positive") }
        guard (1...65_536).contains(checkpointMaxMb) else { throw ValidationError("--checkpoint-max-mb must be 1...65536") }
        guard (1...1_000_000).contains(checkpointMaxFiles) else { throw ValidationError("--checkpoint-max-files must be 1...1000000") }
        let caps: [(String, String, Double?, Double)] = [
            ("--max-step-timeout", "--step-timeout", maxStepTimeout, stepTimeout),
            ("--max-memory-mb", "--memory-mb", maxMemoryMb.map(Double.init), Double(memoryMb)),
            ("--max-cpu-seconds", "--cpu-seconds", maxCpuSeconds.map(Double.init), Double(cpuSeconds)),
            ("--max-processes", "--processes", maxProcesses.map(Double.init), Double(processes)),
            ("--max-output-bytes", "--output-bytes", maxOutputBytes.map(Double.init), Double(outputBytes)),
            ("--max-disk-mb", "--disk-mb", maxDiskMb.map(Double.init), Double(diskMb)),
        ]
        for (flag, limit, cap, value) in caps {
            if let cap, !(cap >= value) { throw ValidationError("\(flag) cannot be below \(limit) (\(Self.number(value)))") }
        }
    }

    private static func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }

    public var limits: ResourceLimits {
        ResourceLimits(wallSeconds: stepTimeout, cpuSeconds: cpuSeconds, memoryMB: memoryMb, processes: processes,
                       outputBytes: outputBytes, diskMB: diskMb)
    }

    public var policy: LimitPolicy {
        LimitPolicy(defaults: limits, caps: ResourceLimits(
            wallSeconds: maxStepTimeout ?? stepTimeout, cpuSeconds: maxCpuSeconds ?? cpuSeconds, memoryMB: maxMemoryMb ?? memoryMb,
            processes: maxProcesses ?? processes, outputBytes: maxOutputBytes ?? outputBytes, diskMB: maxDiskMb ?? diskMb))
    }

    /// The local sandbox, checked to work on this machine; refuses with how to fix it.
    /// `blockedHosts`: what a networked step may not reach besides this host (the worker's Redis),
    /// asked before each networked step.
    public func makeProvider(blockedHosts: @escaping @Sendable () -> [String] = { [] }) async throws -> LocalSandboxProvider {
        do {
            let provider = try LocalSandboxProvider(config: LocalSandboxConfig(workspaceRoot: workspaces, allowNetwork: allowNetwork,
                                                                               blockedHosts: blockedHosts))
            try await provider.selfTest()
            return provider
        } catch let error as SandboxError {
            throw CLIError(error.description)
        }
    }

    /// The tools jobs here may call: the browser's too where a Chromium is installed.
    public var toolRouter: ToolRouter { LocalSandboxProvider.browserInstalled ? .withBrowser : ToolRouter() }

    public var supervisor: Supervisor { Supervisor(router: toolRouter, policy: policy, allowNetwork: allowNetwork) }

    /// What runs jobs: the worker's, and the same for the console's run-here and `run`, so a job run
    /// anywhere runs under one limit policy, one set of approval rules and one set of models.
    /// `artifacts`: where workspaces are checkpointed and files kept (none for `run`, which keeps nothing).
    public func makeProcessor(router: SandboxRouter, models: ModelOptions, approvals: ApprovalOptions?, logger: Logger,
                              artifacts: (any ArtifactStore)? = nil) throws -> JobProcessor {
        let supervisor = approvals.map { $0.apply(to: self.supervisor) } ?? self.supervisor
        let limits = CheckpointLimits(maxBytes: checkpointMaxMb << 20, maxFiles: checkpointMaxFiles)
        return JobProcessor(supervisor: supervisor, sandboxes: router, logger: logger, agents: try models.makeAgents(router: toolRouter),
                            keepers: artifacts.map { ArtifactKeepers(store: $0, limits: limits) })
    }

    /// Local sandbox (always, it is the default), plus E2B when E2B_API_KEY is set.
    public func makeRouter(owner: String = "swissagent-run", blockedHosts: @escaping @Sendable () -> [String] = { [] }) async throws -> SandboxRouter {
        let e2b = try E2BConfig.fromEnvironment().map { config -> E2BSandboxProvider in
            var c = config
            c.owner = owner
            return E2BSandboxProvider(config: c)
        }
        return SandboxRouter(local: try await makeProvider(blockedHosts: blockedHosts), e2b: e2b, defaultChoice: defaultSandbox)
    }
}
