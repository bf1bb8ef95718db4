// SPDX-License-Identifier: GPL-3.0
/*
    Copyright 2021 0KIMS association.

    This file is generated with [snarkJS](https://github.com/iden3/snarkjs).

    snarkJS is a free software: you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    snarkJS is distributed in the hope that it will be useful, but WITHOUT
    ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
    or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
    License for more details.

    You should have received a copy of the GNU General Public License
    along with snarkJS. If not, see <https://www.gnu.org/licenses/>.
*/

pragma solidity >=0.7.0 <0.9.0;

contract ClassifierPublicVerifier {
    // Scalar field size
    uint256 constant r    = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    // Base field size
    uint256 constant q   = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Verification Key data
    uint256 constant alphax  = 20023132099246098562584461149731327290657892025513862765404744527446276056039;
    uint256 constant alphay  = 18807840272764830412737970735867189290202860302155571843792769792377481672208;
    uint256 constant betax1  = 12835800794787936845801482344822686939850241947305555197752585439123357131277;
    uint256 constant betax2  = 2019884469294647123385712867637843871701383935847458594715093256952469531389;
    uint256 constant betay1  = 17292927416796397868194307619162482091187867674263018902753690165415909799418;
    uint256 constant betay2  = 14387488368367566063873983020713717429245075337933823341111049055564323421371;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 17601336994867787399484541585632732732697808197820381464930116737543602160413;
    uint256 constant deltax2 = 11814726325690362707457047314409674556518875235027834114681750441149446978038;
    uint256 constant deltay1 = 19499618579676123013785740326340801563801154186444085373615730630040112294031;
    uint256 constant deltay2 = 12918343139205380022377972099039214596319024072096494852314400509691635395220;

    
    uint256 constant IC0x = 7403126937792611495316271357395524681013462359218303781285273659165888386508;
    uint256 constant IC0y = 3181391027757259471370607724053697533791941061278159606217078467247929427565;
    
    uint256 constant IC1x = 18521562594350502819011677525446020578801128826659496712185559759978791284321;
    uint256 constant IC1y = 15751267495101415408727867612385910646420906588275669675332059162804422353061;
    
    uint256 constant IC2x = 14386308449994895052998655380806151590904994907102243397536133783827276391009;
    uint256 constant IC2y = 7442071013160411986644531410671661869742181155268136768674310749420908030375;
    
    uint256 constant IC3x = 2922948498003941333408251768909320977689560719111525833790858010117160904082;
    uint256 constant IC3y = 16327785708077062647995222300386353420267755271433187538896350590923541366453;
    
    uint256 constant IC4x = 18970528664395854098221615273483306975833978589385260078559485854416469775927;
    uint256 constant IC4y = 15453597815757201515170857672640771557393718509112287086711875496784898603151;
    
    uint256 constant IC5x = 9749829690796965670679946445326877650594764640010006840437663307514459874944;
    uint256 constant IC5y = 10340160071085537342824986185486404953977502015127322381751753400852170631301;
    
    uint256 constant IC6x = 14880984086320239933829547213100141958983391361940359132970243169792212223411;
    uint256 constant IC6y = 10436754908209502309343927722203498942076461223209134111852641286437518729409;
    
    uint256 constant IC7x = 9874994861335919435302060899259591376737897302414903557819272040165314186148;
    uint256 constant IC7y = 20259995723747508691168366556487368167747250555600163884509533635453034848784;
    
    uint256 constant IC8x = 14229360095929314782435409979199200979609779641711782800598402296360813663131;
    uint256 constant IC8y = 1396231421418521258010537881735860030764831060686425820308990368393145774337;
    
    uint256 constant IC9x = 20311426831193197544293753069855974431609983559173192067458392437616288467564;
    uint256 constant IC9y = 1357265769789145498616257735389592268398331767825128002959895799965212278224;
    
    uint256 constant IC10x = 2910946974473698309656808656915943749824043231963067275248888510310819170940;
    uint256 constant IC10y = 9905327400633909938083855348785866807745418833593637596596832676722840919896;
    
    uint256 constant IC11x = 9395052616228918925424753706993046388354329204328576715900545370878908386252;
    uint256 constant IC11y = 1285456482219507268062588044350317154905475382676091616693011523760786518236;
    
    uint256 constant IC12x = 11476243827907355468818927655050540128950390262840703135817391813098959689467;
    uint256 constant IC12y = 9459137043764360657683820763614335655129412563922286301017949491659535283819;
    
    uint256 constant IC13x = 6349677082414317674532500821211049956148305455456222234776163620371128566637;
    uint256 constant IC13y = 17931612808722493652693840411767721918679987182080911621274057838824915024315;
    
    uint256 constant IC14x = 11980423496540094689900146809120184927267186692322440648760123433930155150020;
    uint256 constant IC14y = 2509512992636238517115872648587421153554646860239200882703200238308225896131;
    
    uint256 constant IC15x = 12343296607686740791013624834853463236018021718712568593883284255830091091244;
    uint256 constant IC15y = 4639652276664193604876355963007835537845489046376451984601131370942523837324;
    
    uint256 constant IC16x = 233781801780840194390769442217728666285023547248374957094216339055733090924;
    uint256 constant IC16y = 2467262637047893920249574934963386289809989142777494301174007507506438208307;
    
    uint256 constant IC17x = 17510819129229208321248239197253296803775663631128475322673227271138868685985;
    uint256 constant IC17y = 5202174208547242052584885084985627489925745809036622759967520526001904352935;
    
    uint256 constant IC18x = 2525026349010970320652407919014400149383715727247809845787146688475540485499;
    uint256 constant IC18y = 16765319030627583141735849952310838582788393460721810908071086085599079435315;
    
    uint256 constant IC19x = 2764929176550784198990727325405214361471525079234982721022441968075104822884;
    uint256 constant IC19y = 16586588612992669578225801052528809987122789743228285169335474856119802195766;
    
    uint256 constant IC20x = 9723578747600685448421245185346590147519874172309651775998447567812284485420;
    uint256 constant IC20y = 15561577522798974694016289755219602428965262347574672726012617440510430062753;
    
    uint256 constant IC21x = 3323108916560454416190002114133976821778083942667036471525164364388519331805;
    uint256 constant IC21y = 13003384645338721879835307640934874811803612234802262894208520485472167304147;
    
    uint256 constant IC22x = 13694603785025592636444706567714903146297591313570560626030210883169301197010;
    uint256 constant IC22y = 5804494828928773479863015354860746510566516288307904624046635918825179157564;
    
    uint256 constant IC23x = 4357344851242711626549374070992460542451682617777760845473367660404766956329;
    uint256 constant IC23y = 2234353320883323525829521936847446974762629755328691832766239499316787230123;
    
    uint256 constant IC24x = 11288538589528202303154847751400333788026200675623519119092999747443040147091;
    uint256 constant IC24y = 9555839147399408993865280164014833152139592732232356534357620803372627910084;
    
    uint256 constant IC25x = 13848722268522534952308108268314321903132165203704063927365165717702472178779;
    uint256 constant IC25y = 17106318423251401916492759804749900257581546306377304662685312483327254300552;
    
    uint256 constant IC26x = 12818821483840195058128802665204905380888958695365067249402176610576993466704;
    uint256 constant IC26y = 4510177641222537851630717675415265869486808738082690327243938766001305236236;
    
    uint256 constant IC27x = 785275409831586070797096150341465858019395640214822151051333772618879367300;
    uint256 constant IC27y = 14261110998083667306587438575783332508218394922977923477554440582873859280349;
    
    uint256 constant IC28x = 8606799266502899783701957765664659880862092489191585536080558386373518664275;
    uint256 constant IC28y = 733099418006676372370915574906989252988573004262282202421753847191940825039;
    
    uint256 constant IC29x = 8513161727686107555540517077167285156280780177810281256760232645626852156497;
    uint256 constant IC29y = 2095284216835009669141146022308696415431281437758092258406573895470607632083;
    
    uint256 constant IC30x = 3875878955431071615305345068660442058136748099710316241454232928307451330942;
    uint256 constant IC30y = 19759826410760587942744711452886288752351220006924095067738450809338755392007;
    
    uint256 constant IC31x = 16196701132111534327561971923723783045120950915349223589532362342300963309160;
    uint256 constant IC31y = 9751691846697681440706374203822584190710520801181122780374957526772857413876;
    
    uint256 constant IC32x = 12999943763969518790208062454293524023667197512859100158874381046296840430773;
    uint256 constant IC32y = 12123836206862632063559551343212246793651386951446839725410518315639111657;
    
    uint256 constant IC33x = 15263265863945361280206103272709536110022984595376619223663123983994283206002;
    uint256 constant IC33y = 10022567966309017677811688304792456163103459179855183698537238901011704246000;
    
    uint256 constant IC34x = 12887009632759206753283304538436242231042040949451418351071267628475920991338;
    uint256 constant IC34y = 12270165418080461778344680077186817947306093254261918108788661048154553040466;
    
    uint256 constant IC35x = 21158284257545378548267164568665009357766737827155499782510065299829066339968;
    uint256 constant IC35y = 15190405809893327692434680605121213724085220006272211442313298711231390191993;
    
    uint256 constant IC36x = 14995875468431807155997201486214560288051917061555454461976998389160931998813;
    uint256 constant IC36y = 16229403831985369858279493787812015222843098059121933839718680571647623966159;
    
    uint256 constant IC37x = 11364804598398886082233876026718422896474864189362799840831292854147912182918;
    uint256 constant IC37y = 10960439572574478142926571100528665406441504176392199936885800702955713338796;
    
    uint256 constant IC38x = 6233312774404650132373839298835246886438884639074926402924912104459040387799;
    uint256 constant IC38y = 7398970125988616476625551336315136743391395390438450399164032237854384917562;
    
    uint256 constant IC39x = 4270470946631421710144464472821359830668147948307937950992297852204435009490;
    uint256 constant IC39y = 15710801713181825736470110072485518764729255988550412671908031050712243637580;
    
    uint256 constant IC40x = 3027387297647900653144922930989733725500243140254781448212110699697369870344;
    uint256 constant IC40y = 21868612156126303678361273508515171325915143855852910191579160302516937391168;
    
    uint256 constant IC41x = 16534041863725375873535889760098108444637239415941984061142024908812434851851;
    uint256 constant IC41y = 5745080541526872206986893480413198335370239728697211601644648493825671435683;
    
    uint256 constant IC42x = 4652593540804353100738213001949635497632810644366604275271613187394765353737;
    uint256 constant IC42y = 14682919714563376736398093081870606626863481917213855217784325439086231001953;
    
    uint256 constant IC43x = 1518163031334667553627255904303846339741365683765807588566250418060030378038;
    uint256 constant IC43y = 20877354233743442636348220997508742965660434347948765881811831071785098275169;
    
    uint256 constant IC44x = 1893052139190948901212297920185267020892072971723350491361485168025544088132;
    uint256 constant IC44y = 14151849670847281356422218367246440185700599245978883908123732076878284914145;
    
    uint256 constant IC45x = 4826460481166534067524684692494613201926235572471475658384906530577325801539;
    uint256 constant IC45y = 16392344095189994629162801171281291223086744467830885728087578307430516180797;
    
    uint256 constant IC46x = 13453079070873726701742108757701582429847733928278714637777541000746524265042;
    uint256 constant IC46y = 13619761505275691513787907615696570677428557816741121624198450565531829713290;
    
    uint256 constant IC47x = 19763381070408008387891879492697224693300638938675496819651472580193191768544;
    uint256 constant IC47y = 7317280662262939686416840742135760531360873955820675089129319838320078812824;
    
    uint256 constant IC48x = 15660912331493660679567046610118895610921209430348062530176964963062314289398;
    uint256 constant IC48y = 19733488796291992253676448905666959985382018597410362989210391710890398166729;
    
    uint256 constant IC49x = 6931815084610499598121187937975496605685725003710640765789823976153249139126;
    uint256 constant IC49y = 4958690229559155528349598748623113248092777171552139080170966415135168126667;
    
    uint256 constant IC50x = 21074038244712075994454011031870582074339933222528239618405138076405509275541;
    uint256 constant IC50y = 6269139657981068809739241757015757719803500870171846181919028875512924742292;
    
    uint256 constant IC51x = 100442643665818851143223836376853530954416625638942291578886451713613961847;
    uint256 constant IC51y = 6673076495262174524888754522066163874755102366277937559824990272222190545253;
    
    uint256 constant IC52x = 16771912629540489976728787305617604972230128775130029446259965625094373436912;
    uint256 constant IC52y = 13007574045258938823542026434618242721931115495048504226038218183950474607519;
    
    uint256 constant IC53x = 1207096228979806201530822715624778239183350693931761297939316180982623683345;
    uint256 constant IC53y = 19899525924529722835834255909228311469959447122349359711634769535738441505633;
    
    uint256 constant IC54x = 12776881661548126852126307841381597625292909448746896091068140108073564635861;
    uint256 constant IC54y = 14867411361659074070943906025741416911080773325709712894299315906983375883674;
    
    uint256 constant IC55x = 12134297416011043987676610924926635532691919290953308011403118724695840037648;
    uint256 constant IC55y = 7777857797173296482289902761316587396284809297987772888406484012795748864303;
    
    uint256 constant IC56x = 5005520767404380647112775051793388244931303247586581530209808629631694050605;
    uint256 constant IC56y = 17724023089731582754788073728634011869642525046272666809958822377358057112046;
    
    uint256 constant IC57x = 8445106007332936229648084469873034070549644890872474927184552743341674238111;
    uint256 constant IC57y = 11033877724430358162347854984925487307342038612096967514813842606038549698979;
    
    uint256 constant IC58x = 8376240997800975161693757314659347667412741681346977881628387678403075160108;
    uint256 constant IC58y = 18159179914370960847050728099043490242003356204273640578076683467831854930505;
    
    uint256 constant IC59x = 19205283914916976481765820338109605900373865503396385682881267457166353204426;
    uint256 constant IC59y = 10278045959812282332753516645814188195840143213774849696999617434768834411643;
    
    uint256 constant IC60x = 12421693005146380757016990365065939208081836547149514238888695047281427588141;
    uint256 constant IC60y = 11755989469788121851149778009661777482464046370081621841413860015464630130650;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[60] calldata _pubSignals) public view returns (bool) {
        assembly {
            function checkField(v) {
                if iszero(lt(v, r)) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }
            
            // G1 function to multiply a G1 value(x,y) to value in an address
            function g1_mulAccC(pR, x, y, s) {
                let success
                let mIn := mload(0x40)
                mstore(mIn, x)
                mstore(add(mIn, 32), y)
                mstore(add(mIn, 64), s)

                success := staticcall(sub(gas(), 2000), 7, mIn, 96, mIn, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }

                mstore(add(mIn, 64), mload(pR))
                mstore(add(mIn, 96), mload(add(pR, 32)))

                success := staticcall(sub(gas(), 2000), 6, mIn, 128, pR, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            function checkPairing(pA, pB, pC, pubSignals, pMem) -> isOk {
                let _pPairing := add(pMem, pPairing)
                let _pVk := add(pMem, pVk)

                mstore(_pVk, IC0x)
                mstore(add(_pVk, 32), IC0y)

                // Compute the linear combination vk_x
                
                g1_mulAccC(_pVk, IC1x, IC1y, calldataload(add(pubSignals, 0)))
                
                g1_mulAccC(_pVk, IC2x, IC2y, calldataload(add(pubSignals, 32)))
                
                g1_mulAccC(_pVk, IC3x, IC3y, calldataload(add(pubSignals, 64)))
                
                g1_mulAccC(_pVk, IC4x, IC4y, calldataload(add(pubSignals, 96)))
                
                g1_mulAccC(_pVk, IC5x, IC5y, calldataload(add(pubSignals, 128)))
                
                g1_mulAccC(_pVk, IC6x, IC6y, calldataload(add(pubSignals, 160)))
                
                g1_mulAccC(_pVk, IC7x, IC7y, calldataload(add(pubSignals, 192)))
                
                g1_mulAccC(_pVk, IC8x, IC8y, calldataload(add(pubSignals, 224)))
                
                g1_mulAccC(_pVk, IC9x, IC9y, calldataload(add(pubSignals, 256)))
                
                g1_mulAccC(_pVk, IC10x, IC10y, calldataload(add(pubSignals, 288)))
                
                g1_mulAccC(_pVk, IC11x, IC11y, calldataload(add(pubSignals, 320)))
                
                g1_mulAccC(_pVk, IC12x, IC12y, calldataload(add(pubSignals, 352)))
                
                g1_mulAccC(_pVk, IC13x, IC13y, calldataload(add(pubSignals, 384)))
                
                g1_mulAccC(_pVk, IC14x, IC14y, calldataload(add(pubSignals, 416)))
                
                g1_mulAccC(_pVk, IC15x, IC15y, calldataload(add(pubSignals, 448)))
                
                g1_mulAccC(_pVk, IC16x, IC16y, calldataload(add(pubSignals, 480)))
                
                g1_mulAccC(_pVk, IC17x, IC17y, calldataload(add(pubSignals, 512)))
                
                g1_mulAccC(_pVk, IC18x, IC18y, calldataload(add(pubSignals, 544)))
                
                g1_mulAccC(_pVk, IC19x, IC19y, calldataload(add(pubSignals, 576)))
                
                g1_mulAccC(_pVk, IC20x, IC20y, calldataload(add(pubSignals, 608)))
                
                g1_mulAccC(_pVk, IC21x, IC21y, calldataload(add(pubSignals, 640)))
                
                g1_mulAccC(_pVk, IC22x, IC22y, calldataload(add(pubSignals, 672)))
                
                g1_mulAccC(_pVk, IC23x, IC23y, calldataload(add(pubSignals, 704)))
                
                g1_mulAccC(_pVk, IC24x, IC24y, calldataload(add(pubSignals, 736)))
                
                g1_mulAccC(_pVk, IC25x, IC25y, calldataload(add(pubSignals, 768)))
                
                g1_mulAccC(_pVk, IC26x, IC26y, calldataload(add(pubSignals, 800)))
                
                g1_mulAccC(_pVk, IC27x, IC27y, calldataload(add(pubSignals, 832)))
                
                g1_mulAccC(_pVk, IC28x, IC28y, calldataload(add(pubSignals, 864)))
                
                g1_mulAccC(_pVk, IC29x, IC29y, calldataload(add(pubSignals, 896)))
                
                g1_mulAccC(_pVk, IC30x, IC30y, calldataload(add(pubSignals, 928)))
                
                g1_mulAccC(_pVk, IC31x, IC31y, calldataload(add(pubSignals, 960)))
                
                g1_mulAccC(_pVk, IC32x, IC32y, calldataload(add(pubSignals, 992)))
                
                g1_mulAccC(_pVk, IC33x, IC33y, calldataload(add(pubSignals, 1024)))
                
                g1_mulAccC(_pVk, IC34x, IC34y, calldataload(add(pubSignals, 1056)))
                
                g1_mulAccC(_pVk, IC35x, IC35y, calldataload(add(pubSignals, 1088)))
                
                g1_mulAccC(_pVk, IC36x, IC36y, calldataload(add(pubSignals, 1120)))
                
                g1_mulAccC(_pVk, IC37x, IC37y, calldataload(add(pubSignals, 1152)))
                
                g1_mulAccC(_pVk, IC38x, IC38y, calldataload(add(pubSignals, 1184)))
                
                g1_mulAccC(_pVk, IC39x, IC39y, calldataload(add(pubSignals, 1216)))
                
                g1_mulAccC(_pVk, IC40x, IC40y, calldataload(add(pubSignals, 1248)))
                
                g1_mulAccC(_pVk, IC41x, IC41y, calldataload(add(pubSignals, 1280)))
                
                g1_mulAccC(_pVk, IC42x, IC42y, calldataload(add(pubSignals, 1312)))
                
                g1_mulAccC(_pVk, IC43x, IC43y, calldataload(add(pubSignals, 1344)))
                
                g1_mulAccC(_pVk, IC44x, IC44y, calldataload(add(pubSignals, 1376)))
                
                g1_mulAccC(_pVk, IC45x, IC45y, calldataload(add(pubSignals, 1408)))
                
                g1_mulAccC(_pVk, IC46x, IC46y, calldataload(add(pubSignals, 1440)))
                
                g1_mulAccC(_pVk, IC47x, IC47y, calldataload(add(pubSignals, 1472)))
                
                g1_mulAccC(_pVk, IC48x, IC48y, calldataload(add(pubSignals, 1504)))
                
                g1_mulAccC(_pVk, IC49x, IC49y, calldataload(add(pubSignals, 1536)))
                
                g1_mulAccC(_pVk, IC50x, IC50y, calldataload(add(pubSignals, 1568)))
                
                g1_mulAccC(_pVk, IC51x, IC51y, calldataload(add(pubSignals, 1600)))
                
                g1_mulAccC(_pVk, IC52x, IC52y, calldataload(add(pubSignals, 1632)))
                
                g1_mulAccC(_pVk, IC53x, IC53y, calldataload(add(pubSignals, 1664)))
                
                g1_mulAccC(_pVk, IC54x, IC54y, calldataload(add(pubSignals, 1696)))
                
                g1_mulAccC(_pVk, IC55x, IC55y, calldataload(add(pubSignals, 1728)))
                
                g1_mulAccC(_pVk, IC56x, IC56y, calldataload(add(pubSignals, 1760)))
                
                g1_mulAccC(_pVk, IC57x, IC57y, calldataload(add(pubSignals, 1792)))
                
                g1_mulAccC(_pVk, IC58x, IC58y, calldataload(add(pubSignals, 1824)))
                
                g1_mulAccC(_pVk, IC59x, IC59y, calldataload(add(pubSignals, 1856)))
                
                g1_mulAccC(_pVk, IC60x, IC60y, calldataload(add(pubSignals, 1888)))
                

                // -A
                mstore(_pPairing, calldataload(pA))
                mstore(add(_pPairing, 32), mod(sub(q, calldataload(add(pA, 32))), q))

                // B
                mstore(add(_pPairing, 64), calldataload(pB))
                mstore(add(_pPairing, 96), calldataload(add(pB, 32)))
                mstore(add(_pPairing, 128), calldataload(add(pB, 64)))
                mstore(add(_pPairing, 160), calldataload(add(pB, 96)))

                // alpha1
                mstore(add(_pPairing, 192), alphax)
                mstore(add(_pPairing, 224), alphay)

                // beta2
                mstore(add(_pPairing, 256), betax1)
                mstore(add(_pPairing, 288), betax2)
                mstore(add(_pPairing, 320), betay1)
                mstore(add(_pPairing, 352), betay2)

                // vk_x
                mstore(add(_pPairing, 384), mload(add(pMem, pVk)))
                mstore(add(_pPairing, 416), mload(add(pMem, add(pVk, 32))))


                // gamma2
                mstore(add(_pPairing, 448), gammax1)
                mstore(add(_pPairing, 480), gammax2)
                mstore(add(_pPairing, 512), gammay1)
                mstore(add(_pPairing, 544), gammay2)

                // C
                mstore(add(_pPairing, 576), calldataload(pC))
                mstore(add(_pPairing, 608), calldataload(add(pC, 32)))

                // delta2
                mstore(add(_pPairing, 640), deltax1)
                mstore(add(_pPairing, 672), deltax2)
                mstore(add(_pPairing, 704), deltay1)
                mstore(add(_pPairing, 736), deltay2)


                let success := staticcall(sub(gas(), 2000), 8, _pPairing, 768, _pPairing, 0x20)

                isOk := and(success, mload(_pPairing))
            }

            let pMem := mload(0x40)
            mstore(0x40, add(pMem, pLastMem))

            // Validate that all evaluations ∈ F
            
            checkField(calldataload(add(_pubSignals, 0)))
            
            checkField(calldataload(add(_pubSignals, 32)))
            
            checkField(calldataload(add(_pubSignals, 64)))
            
            checkField(calldataload(add(_pubSignals, 96)))
            
            checkField(calldataload(add(_pubSignals, 128)))
            
            checkField(calldataload(add(_pubSignals, 160)))
            
            checkField(calldataload(add(_pubSignals, 192)))
            
            checkField(calldataload(add(_pubSignals, 224)))
            
            checkField(calldataload(add(_pubSignals, 256)))
            
            checkField(calldataload(add(_pubSignals, 288)))
            
            checkField(calldataload(add(_pubSignals, 320)))
            
            checkField(calldataload(add(_pubSignals, 352)))
            
            checkField(calldataload(add(_pubSignals, 384)))
            
            checkField(calldataload(add(_pubSignals, 416)))
            
            checkField(calldataload(add(_pubSignals, 448)))
            
            checkField(calldataload(add(_pubSignals, 480)))
            
            checkField(calldataload(add(_pubSignals, 512)))
            
            checkField(calldataload(add(_pubSignals, 544)))
            
            checkField(calldataload(add(_pubSignals, 576)))
            
            checkField(calldataload(add(_pubSignals, 608)))
            
            checkField(calldataload(add(_pubSignals, 640)))
            
            checkField(calldataload(add(_pubSignals, 672)))
            
            checkField(calldataload(add(_pubSignals, 704)))
            
            checkField(calldataload(add(_pubSignals, 736)))
            
            checkField(calldataload(add(_pubSignals, 768)))
            
            checkField(calldataload(add(_pubSignals, 800)))
            
            checkField(calldataload(add(_pubSignals, 832)))
            
            checkField(calldataload(add(_pubSignals, 864)))
            
            checkField(calldataload(add(_pubSignals, 896)))
            
            checkField(calldataload(add(_pubSignals, 928)))
            
            checkField(calldataload(add(_pubSignals, 960)))
            
            checkField(calldataload(add(_pubSignals, 992)))
            
            checkField(calldataload(add(_pubSignals, 1024)))
            
            checkField(calldataload(add(_pubSignals, 1056)))
            
            checkField(calldataload(add(_pubSignals, 1088)))
            
            checkField(calldataload(add(_pubSignals, 1120)))
            
            checkField(calldataload(add(_pubSignals, 1152)))
            
            checkField(calldataload(add(_pubSignals, 1184)))
            
            checkField(calldataload(add(_pubSignals, 1216)))
            
            checkField(calldataload(add(_pubSignals, 1248)))
            
            checkField(calldataload(add(_pubSignals, 1280)))
            
            checkField(calldataload(add(_pubSignals, 1312)))
            
            checkField(calldataload(add(_pubSignals, 1344)))
            
            checkField(calldataload(add(_pubSignals, 1376)))
            
            checkField(calldataload(add(_pubSignals, 1408)))
            
            checkField(calldataload(add(_pubSignals, 1440)))
            
            checkField(calldataload(add(_pubSignals, 1472)))
            
            checkField(calldataload(add(_pubSignals, 1504)))
            
            checkField(calldataload(add(_pubSignals, 1536)))
            
            checkField(calldataload(add(_pubSignals, 1568)))
            
            checkField(calldataload(add(_pubSignals, 1600)))
            
            checkField(calldataload(add(_pubSignals, 1632)))
            
            checkField(calldataload(add(_pubSignals, 1664)))
            
            checkField(calldataload(add(_pubSignals, 1696)))
            
            checkField(calldataload(add(_pubSignals, 1728)))
            
            checkField(calldataload(add(_pubSignals, 1760)))
            
            checkField(calldataload(add(_pubSignals, 1792)))
            
            checkField(calldataload(add(_pubSignals, 1824)))
            
            checkField(calldataload(add(_pubSignals, 1856)))
            
            checkField(calldataload(add(_pubSignals, 1888)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
