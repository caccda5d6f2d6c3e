import AgentCore
import ArgumentParser
import Sandboxes

extension SandboxChoice: ExpressibleByArgument {}

/// Sandbox settings shared by `worker` and `run`.
struct SandboxOptions: ParsableArguments {
    @Option(help: "Default wall-clock limit of a step, in seconds (a step's timeout_s replaces it).")
    var stepTimeout: Double = 300

    @Option(help: "Memory limit of a step, in MB (address space).")
    var memoryMb: Int = 1024

    @Option(help: "CPU time limit of a step, in seconds.")
    var cpuSeconds: Int = 300

    @Option(help: "Process limit of a step.")
    var processes: Int = 128

    @Option(help: "Output limit of a step, in bytes.")
    var outputBytes: Int = 4 << 20

    @Flag(help: "Let steps that ask for it (\"network\": true) reach the network.")
    var allowNetwork = false

    @Option(help: "Where job workspaces are made (default $SWISSAGENT_WORKSPACES or the temporary directory).")
    var workspaces: String = LocalSandboxConfig.defaultWorkspaceRoot

    @Option(help: "Sandbox for jobs that do not choose: local, e2b or auto (local when available).")
    var defaultSandbox: SandboxChoice = .auto

    func validate() throws {
        guard stepTimeout > 0, memoryMb > 0, cpuSeconds > 0, processes > 0, outputBytes > 0 else {
            throw ValidationError("limits must be positive")
        }
    }

    var limits: ResourceLimits {
        ResourceLimits(wallSeconds: stepTimeout, cpuSeconds: cpuSeconds, memoryMB: memoryMb, processes: processes, outputBytes: outputBytes)
    }

    /// The local sandbox, checked to work on this machine; refuses with how to fix it.
    func makeProvider() async throws -> LocalSandboxProvider {
        do {
            let provider = try LocalSandboxProvider(config: LocalSandboxConfig(workspaceRoot: workspaces, allowNetwork: allowNetwork))
            try await provider.selfTest()
            return provider
        } catch let error as SandboxError {
            throw CLIError(error.description)
        }
    }

    var supervisor: Supervisor { Supervisor(limits: limits, allowNetwork: allowNetwork) }

    /// Local sandbox (always, it is the default), plus E2B when E2B_API_KEY is set.
    func makeRouter(owner: String = "swissagent-run") async throws -> SandboxRouter {
        let e2b = try E2BConfig.fromEnvironment().map { config -> E2BSandboxProvider in
            var c = config
            c.owner = owner
            return E2BSandboxProvider(config: c)
        }
        return SandboxRouter(local: try await makeProvider(), e2b: e2b, defaultChoice: defaultSandbox)
    }
}
