/** Why a message was refused; the update validator throws it, the signal handler records it. */
export class Refusal extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Refusal';
  }
}
