"""/jobs, /job, /job retry and /offboard undo: the actions and jobs Deskhand has run.

Every confirmed or approved action runs as a durable job (a one-go command is a job of one
step); these commands read and steer them through the approvals desk, which checks who may.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from cards.reply import Reply
from commands.kit.context import CommandContext
from commands.kit.registry import command, positional

__all__ = ["JobArgs", "JobsArgs", "RetryArgs"]


class JobsArgs(BaseModel):
    tenant: str | None = Field(None, description="only this tenant's jobs")
    mine: bool = Field(False, description="only the jobs you asked for")


class JobArgs(BaseModel):
    job_id: str = positional("the job id (/jobs lists them)")


class RetryArgs(JobArgs):
    step: int = positional("the number of the failed step, as the job's card shows it")


@command("jobs", args=JobsArgs)
async def jobs_command(ctx: CommandContext, args: JobsArgs) -> Reply:
    """List recent and running jobs: every action that ran, with its state."""
    return await ctx.desk.jobs_list(ctx, mine=args.mine, tenant=args.tenant)


@command("job", args=JobArgs)
async def job_command(ctx: CommandContext, args: JobArgs) -> Reply:
    """Show one job: each step with its state, time and error."""
    return await ctx.desk.job(ctx, args.job_id)


@command("job retry", args=RetryArgs)
async def retry_command(ctx: CommandContext, args: RetryArgs) -> Reply:
    """Run a failed step of a job again, with the steps that did not run because of it.

    The job's requester or an approver of its tenant may retry. The step reads the target
    first, so what is already done is not done twice.
    """
    return await ctx.desk.retry_step(ctx, args.job_id, args.step)


@command("offboard undo", args=JobArgs)
async def undo_command(ctx: CommandContext, args: JobArgs) -> Reply:
    """Undo an offboarding job: put back what can be put back, and say what cannot.

    Groups, licences, the mailbox type, forwarding, delegates and sign-in come back; a reset
    password and deleted sign-in methods cannot. A delayed deletion is cancelled.
    """
    return await ctx.desk.undo_job(ctx, args.job_id)
