import { describeExample } from './examples-kit.ts';

describeExample('15-timers');
