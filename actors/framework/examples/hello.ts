// actors/framework/examples/hello.ts: one task, `echo hello`, then exit (0 if it finished).
import * as os from 'node:os';
import { ActorHost } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import { isTerminalState, type Offer, type TaskStatus } from '../../../lib/protocol';
import { fitResources } from '../offers';
import { Scheduler, type SchedulerOptions } from '../scheduler';

class Hello extends Scheduler {
  /** Resolves with the task's last status once it has ended. */
  readonly done: Promise<TaskStatus>;
  private finish!: (status: TaskStatus) => void;
  private launched = false;                                           // one task is enough

  constructor(options: SchedulerOptions) {
    super(options);
    this.done = new Promise((resolve) => { this.finish = resolve; });
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const resources = this.launched ? undefined : fitResources(offer, Resources.parse('cpus:0.1;mem:32'));
      if (!resources) {
        this.decline(offer.id, { refuseSeconds: 60 });                  // not needed: don't offer it again for a minute
        continue;
      }
      this.launched = true;
      this.launch(offer.id, [{
        name: 'hello', taskId: 'hello-1', agentId: offer.agentId,
        resources: resources.toJSON(), command: { value: 'echo hello' },
      }]);
    }
  }

  protected override statusUpdate(status: TaskStatus): void {          // acknowledged automatically afterwards
    console.log(status.taskId, status.state, status.message ?? '');
    if (isTerminalState(status.state)) this.finish(status);
  }

  protected override error(message: string): void {                   // refused, or no master within masterTimeoutMs
    console.error(`hello: ${message}`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const host = await ActorHost.start({ port: 0 });                    // the scheduler's own actor host
  // Its tasks run as `user` (the agents' --switch_user): a user the agents' machines have.
  const hello = new Hello({
    master: process.argv[2] ?? '127.0.0.1:5050', masterTimeoutMs: 30_000,     // give up, saying so, with no master for 30 s
    framework: { name: 'hello', user: os.userInfo().username },
  });
  host.spawn(hello);
  const status = await hello.done;
  hello.stop();                                                       // tears the framework down
  await host.stop();                                                  // closes its links: else Node runs on
  process.exit(status.state === 'TASK_FINISHED' ? 0 : 1);
}

void main();
