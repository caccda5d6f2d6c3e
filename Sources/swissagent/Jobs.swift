import AgentCore
import ArgumentParser

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect, download, requeue, cancel and delete jobs.",
        subcommands: [JobsList.self, JobsShow.self, JobsFiles.self, JobsDownload.self, JobsCopy.self, JobsFork.self, JobsRequeue.self, JobsCancel.self, JobsDelete.self, JobsApprove.self,
                      JobsDeny.self, JobsApprovals.self],
        defaultSubcommand: JobsList.self)
}

extension JobState: ExpressibleByArgument {}
