import { describeExample } from './examples-kit.ts';

describeExample('14-daemons');
