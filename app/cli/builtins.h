#pragma once

// The commands, one file each (as git's builtin/*.c), listed in commandtable.cpp.
// Each receives the context and returns the exit code (CONTRACT §6).
namespace hb::cli {

class CliContext;

int configureList(CliContext &ctx);   // --status, --owner, --limit, --since, --sort
int configureExport(CliContext &ctx); // --ttl, --segment-size, --chunk-size, --bwlimit
int runExport(CliContext &ctx);
int runStatus(CliContext &ctx);
int runCancel(CliContext &ctx);
int runResume(CliContext &ctx);
int runList(CliContext &ctx);
int runWatch(CliContext &ctx);
int runFetch(CliContext &ctx);
int runServer(CliContext &ctx);

} // namespace hb::cli
