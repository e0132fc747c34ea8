import { Resources } from '../../../lib/resources';
import { isTerminalState, type Offer, type TaskStatus } from '../../../lib/protocol';
import { fitResources } from '../offers';
import { Scheduler, type SchedulerOptions } from '../scheduler';

/** How long offers a full service does not need are refused (it revives when an instance dies). */
export const SERVICE_FULL_REFUSE_SECONDS = 3600;

/** A long-running service: `instances` copies of a command, kept running. */
export interface ServiceOptions extends SchedulerOptions {
  instances: number;
  taskResources: Resources;
  command: string;
  onUpdate?: (status: TaskStatus) => void;
}

/**
 * A long-running service framework: keeps `instances` copies of a command running, one per
 * offer, and relaunches any that finish, fail, are killed or lost. When it has all it needs it
 * declines offers for an hour; when an instance dies it revives.
 */
export class ServiceScheduler extends Scheduler {
  /** Task ids launched and not yet terminal. */
  private readonly live = new Set<string>();
  /** Launches so far (names the next task). */
  private launchCount = 0;
  /** Relaunches after an instance died. */
  relaunches = 0;

  constructor(private readonly service: ServiceOptions) {
    super(service);
  }

  /** Ids of the instances currently launched and not terminal. */
  instances(): string[] {
    return [...this.live];
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const picked = this.live.size < this.service.instances ? fitResources(offer, this.service.taskResources) : undefined;
      if (!picked) {
        this.decline(offer.id, { refuseSeconds: this.live.size >= this.service.instances ? SERVICE_FULL_REFUSE_SECONDS : 0 });
        continue;
      }
      const taskId = `${this.framework.name}-${this.launchCount++}`;
      this.live.add(taskId);
      this.launch(offer.id, [{ name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: this.service.command } }], { refuseSeconds: 0 });
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.service.onUpdate?.(status);
    if (!isTerminalState(status.state) || !this.live.delete(status.taskId)) return;
    this.relaunches++;
    this.revive();
  }
}
